// C++ objects that own other blocks. One Owner is kept by a global (it and
// its buffer are still reachable); one is leaked (definitely lost, its
// buffer indirectly lost); a new[] array of 3 Owners is leaked (the array
// is definitely lost, its 3 buffers indirectly lost).
// expect: definite=72/2 indirect=512/4 possible=0/0 reachable=144/2
#include <cstring>

struct Owner {
    char *buf;
    long size;
    Owner() : buf(new char[128]), size(128) { std::memset(buf, 1, 128); }
    ~Owner() { delete[] buf; }
};

Owner *kept_owner;

static void leak_one()
{
    new Owner();
}

static void leak_array()
{
    new Owner[3];
}

int main()
{
    kept_owner = new Owner();
    leak_one();
    leak_array();
    return 0;
}
