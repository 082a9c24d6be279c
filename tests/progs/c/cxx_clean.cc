// A C++ program that frees everything it allocates: iostream output, a
// vector, a string and a caught exception. What remains at exit is the C++
// and C runtimes' own: libstdc++'s emergency exception pool and stdout's
// buffer, which valgrind frees at exit (__gnu_cxx::__freeres,
// __libc_freeres) and so reports nothing.
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

int main()
{
    std::vector<std::string> words{"a fairly long string, not a short one", "b"};
    try {
        throw std::runtime_error("caught");
    } catch (const std::exception &e) {
        std::cout << words[0] << ' ' << e.what() << std::endl;
    }
    return 0;
}
