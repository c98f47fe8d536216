/* missing_dep.c — a one-function shared library the missing_dep test plugin
 * links against; it is deliberately absent from every run-time search path,
 * so loading that plugin fails inside the dynamic loader. Nothing else. */
int mt_test_missing_dep_value(void);

int mt_test_missing_dep_value(void) {
  return 1;
}
