// new[] of objects with a destructor: the allocation starts with an 8-byte
// element count, so the pointer the program keeps points 8 bytes into the
// block. valgrind's "newarray" heuristic (on by default) still counts the
// block as reachable; a scanner without it would say "possibly lost".
// expect: definite=0/0 indirect=0/0 possible=0/0 reachable=40/1
struct Counted {
    long value;
    ~Counted() { value = 0; }
};

Counted *kept_array;

int main()
{
    kept_array = new Counted[4];
    return 0;
}
