"""MiniTorch's test-function tables (testing.py): MathTest holds float
functions built from minitorch.operators, MathTestVariable the same functions
written with Scalar/Tensor methods. Test data, not an API of the core."""

from typing import Callable, List, Tuple

from . import operators


class MathTest:
    # ---- one argument --------------------------------------------------------------
    @staticmethod
    def neg(a):
        return -a

    @staticmethod
    def addConstant(a):
        return 5 + a

    @staticmethod
    def square(a):
        return a * a

    @staticmethod
    def cube(a):
        return a * a * a

    @staticmethod
    def subConstant(a):
        return a - 5

    @staticmethod
    def multConstant(a):
        return 5 * a

    @staticmethod
    def div(a):
        return a / 5

    @staticmethod
    def inv(a):
        return operators.inv(a + 3.5)

    @staticmethod
    def sig(a):
        return operators.sigmoid(a)

    @staticmethod
    def log(a):
        return operators.log(a + 100000)

    @staticmethod
    def relu(a):
        return operators.relu(a + 5.5)

    @staticmethod
    def exp(a):
        return operators.exp(a - 200)

    @staticmethod
    def explog(a):
        return operators.log(a + 100000) + operators.exp(a - 200)

    @staticmethod
    def complex(a):
        inner = operators.relu(operators.relu(a * 10 + 7) * 6 + 5) * 10
        return operators.log(operators.sigmoid(inner)) / 50

    # ---- two arguments (names end in 2) --------------------------------------------
    @staticmethod
    def add2(a, b):
        return a + b

    @staticmethod
    def mul2(a, b):
        return a * b

    @staticmethod
    def div2(a, b):
        return a / (b + 5.5)

    @staticmethod
    def gt2(a, b):
        return operators.lt(b, a + 1.2)

    @staticmethod
    def lt2(a, b):
        return operators.lt(a + 1.2, b)

    @staticmethod
    def eq2(a, b):
        return operators.eq(a, b + 5.5)

    # ---- reductions (names end in red), over a list ---------------------------------
    @staticmethod
    def sum_red(a):
        return operators.sum(a)

    @staticmethod
    def mean_red(a):
        return operators.sum(a) / float(len(a))

    @staticmethod
    def mean_full_red(a):
        return operators.sum(a) / float(len(a))

    @classmethod
    def _tests(cls) -> Tuple[List[Tuple[str, Callable]], ...]:
        """(one-arg, two-arg, reductions) as (name, fn) pairs of cls, in dir() order."""
        one_arg, two_arg, red_arg = [], [], []
        for name in dir(MathTest):
            if name.startswith("_") or not callable(getattr(MathTest, name)):
                continue
            entry = (name, getattr(cls, name))
            if name.endswith("2"):
                two_arg.append(entry)
            elif name.endswith("red"):
                red_arg.append(entry)
            else:
                one_arg.append(entry)
        return one_arg, two_arg, red_arg

    @classmethod
    def _comp_testing(cls):
        """(name, float fn of MathTest, fn of cls) triples, for each of the three kinds."""
        mine = cls._tests()
        floats = MathTest._tests()
        return tuple([(name, f_float, f_mine) for (name, f_mine), (_, f_float) in zip(m, f)]
                     for m, f in zip(mine, floats))


class MathTestVariable(MathTest):
    @staticmethod
    def inv(a):
        return 1.0 / (a + 3.5)

    @staticmethod
    def sig(a):
        return a.sigmoid()

    @staticmethod
    def log(a):
        return (a + 100000).log()

    @staticmethod
    def relu(a):
        return (a + 5.5).relu()

    @staticmethod
    def exp(a):
        return (a - 200).exp()

    @staticmethod
    def explog(a):
        return (a + 100000).log() + (a - 200).exp()

    @staticmethod
    def complex(a):
        return (((a * 10 + 7).relu() * 6 + 5).relu() * 10).sigmoid().log() / 50

    @staticmethod
    def gt2(a, b):
        return a + 1.2 > b

    @staticmethod
    def lt2(a, b):
        return a + 1.2 < b

    @staticmethod
    def eq2(a, b):
        return a == (b + 5.5)

    @staticmethod
    def sum_red(a):
        return a.sum(0)

    @staticmethod
    def mean_red(a):
        return a.mean(0)

    @staticmethod
    def mean_full_red(a):
        return a.mean()
