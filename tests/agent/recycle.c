/*
 * Thread slots are reused: WAVES waves of 8 short-lived threads, each of
 * which allocates 10 blocks, frees 5 itself, leaves 5 for the main thread
 * to free after it ended (they moved from its young blocks to the shared
 * table when it ended) and keeps one 777-byte block in a global. The record
 * must end with exactly THREADS blocks of 777 bytes and consistent counters.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define WAVES 40
#define THREADS (WAVES * 8)

static void *late[THREADS][5];
void *volatile kept[THREADS]; /* read by no one, but volatile: the mallocs stay */

static void *worker(void *arg)
{
    long id = (long)arg;
    void *b[10];
    for (int i = 0; i < 10; i++)
        b[i] = malloc(100 + (size_t)i);
    for (int i = 0; i < 5; i++)
        free(b[i]);
    for (int i = 0; i < 5; i++)
        late[id][i] = b[5 + i];
    kept[id] = malloc(777);
    return NULL;
}

int main(void)
{
    for (long w = 0; w < WAVES; w++) {
        pthread_t th[8];
        for (long k = 0; k < 8; k++)
            pthread_create(&th[k], NULL, worker, (void *)(w * 8 + k));
        for (int k = 0; k < 8; k++)
            pthread_join(th[k], NULL);
    }
    for (int i = 0; i < THREADS; i++)
        for (int k = 0; k < 5; k++)
            free(late[i][k]);
    printf("recycle done\n");
    return 0;
}
