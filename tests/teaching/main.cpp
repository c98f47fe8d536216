// main.cpp — the Boost.Test entry point of the teaching suite (MiniTorch Modules 0 and 1).
// The test cases themselves live in the other files of this folder.
#define BOOST_TEST_MODULE teaching
#include <boost/test/unit_test.hpp>
