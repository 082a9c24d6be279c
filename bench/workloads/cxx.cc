/*
 * C++ containers: a std::map of std::string keys to vectors, filled, looked
 * up and erased in rounds (node, string and vector allocations by new):
 *
 *   cxx [ROUNDS]   (default 40)
 */
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? std::atoi(argv[1]) : 40;
    unsigned long long sum = 0;
    for (int r = 0; r < rounds; r++) {
        std::map<std::string, std::vector<int>> m;
        for (int i = 0; i < 20000; i++) {
            std::string key = "key-with-a-long-enough-prefix-" + std::to_string(i * 7919 % 20000);
            std::vector<int> &v = m[key];
            for (int k = 0; k < i % 9; k++)
                v.push_back(k + r);
        }
        for (auto &kv : m)
            sum += kv.first.size() + kv.second.size();
        for (int i = 0; i < 20000; i += 2)
            m.erase("key-with-a-long-enough-prefix-" + std::to_string(i));
        sum += m.size();
    }
    std::printf("cxx: %d rounds, checksum %llu\n", rounds, sum);
    return 0;
}
