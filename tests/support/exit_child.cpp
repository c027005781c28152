// SPDX-License-Identifier: MIT
// Test child for the end-to-end tests: exits with the status given as argv[1], or with argv[1] "sleep" waits until a
// signal ends it; other arguments are markers.
#include <cstdlib>
#include <cstring>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1 && std::strcmp(argv[1], "sleep") == 0) {
        pause();
        return 0;
    }
    return argc > 1 ? std::atoi(argv[1]) : 0;
}
