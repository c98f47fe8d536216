// main.cpp — the test_data executable's Boost.Test module definition; the
// cases live in the other files of this folder.
#define BOOST_TEST_MODULE test_data
#include <boost/test/unit_test.hpp>
