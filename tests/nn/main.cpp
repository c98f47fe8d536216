// main.cpp — the test_nn executable's Boost.Test module definition; the
// cases are in the other files of this folder. No tests here.
#define BOOST_TEST_MODULE nn
#include <boost/test/unit_test.hpp>
