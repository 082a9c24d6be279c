#include "common/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *ch_outfile_open(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

int ch_outfile_close(FILE *f)
{
    int e = fflush(f) != 0 ? errno : 0;
    struct stat st;
    int fd = fileno(f);
    /* Pipes, terminals and devices have no old content to cut. */
    if (!e && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_CUR);
        if (end < 0 || (end < st.st_size && ftruncate(fd, end) != 0))
            e = errno;
    }
    if (fclose(f) != 0 && !e)
        e = errno;
    errno = e;
    return e ? -1 : 0;
}
