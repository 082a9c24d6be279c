/*
 * Blocks freed by another thread than the one that allocated them: while
 * the allocating thread still runs (its most recent blocks are young in its
 * slot) and after it ended (they moved to the shared table then). Producers
 * allocate 777-byte blocks that consumers free at once, 555-byte blocks that
 * are freed only after every producer has ended, and leak LEAKS blocks of
 * 333 bytes each. A correct record ends with exactly the 333-byte blocks.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define PRODUCERS 4
#define CONSUMERS 2
#define PER_PRODUCER 20000
#define LATE 300
#define LEAKS 7
#define QUEUE 64

static void *queue[QUEUE];
static unsigned head, tail, done_producers;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static void *late[PRODUCERS][LATE];
static void *volatile leaked[PRODUCERS][LEAKS];

static void push(void *p)
{
    pthread_mutex_lock(&lock);
    while (head - tail == QUEUE)
        pthread_cond_wait(&changed, &lock);
    queue[head++ % QUEUE] = p;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

/* Returns NULL once every producer is done and the queue is empty. */
static void *pop(void)
{
    pthread_mutex_lock(&lock);
    while (head == tail && done_producers < PRODUCERS)
        pthread_cond_wait(&changed, &lock);
    void *p = head == tail ? NULL : queue[tail++ % QUEUE];
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    return p;
}

static void *producer(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < PER_PRODUCER; i++) {
        push(malloc(777));
        if (i % (PER_PRODUCER / LATE) == 0 && i / (PER_PRODUCER / LATE) < LATE)
            late[id][i / (PER_PRODUCER / LATE)] = malloc(555);
        if (i < LEAKS)
            leaked[id][i] = malloc(333);
    }
    pthread_mutex_lock(&lock);
    done_producers++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (void *p; (p = pop());)
        free(p);
    return NULL;
}

int main(void)
{
    pthread_t p[PRODUCERS], c[CONSUMERS];
    for (long i = 0; i < CONSUMERS; i++)
        pthread_create(&c[i], NULL, consumer, NULL);
    for (long i = 0; i < PRODUCERS; i++)
        pthread_create(&p[i], NULL, producer, (void *)i);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(p[i], NULL);
    for (int i = 0; i < CONSUMERS; i++)
        pthread_join(c[i], NULL);
    for (int i = 0; i < PRODUCERS; i++)
        for (int k = 0; k < LATE; k++)
            free(late[i][k]);
    printf("handoff done\n");
    return 0;
}
