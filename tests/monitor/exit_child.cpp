// SPDX-License-Identifier: MIT
// Test child for the end-to-end tests: exits with the status given as argv[1]; other arguments are markers.
#include <cstdlib>

int main(int argc, char **argv)
{
    return argc > 1 ? std::atoi(argv[1]) : 0;
}
