// main.cpp — the test_limits executable's Boost.Test module definition; the
// cases live in the other files of this folder.
#define BOOST_TEST_MODULE test_limits
#include <boost/test/unit_test.hpp>
