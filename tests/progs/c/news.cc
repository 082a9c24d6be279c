// Plain C++: a leaked new[] array and a leaked new object. The calls are
// tagged with LEAK- marker comments that the tests find with grep -n.
#include <cstring>

struct Widget {
    int id;
    char name[60];
};

// volatile so the optimiser cannot drop the allocations.
static Widget *volatile sink_object;
static int *volatile sink_array;

static void leak_array()
{
    sink_array = new int[50]; // LEAK-new-array
    sink_array = nullptr;
}

static void leak_object()
{
    sink_object = new Widget(); // LEAK-new-object
    std::strcpy(sink_object->name, "widget");
    sink_object = nullptr;
}

int main()
{
    leak_array();
    leak_object();
    return 0;
}
