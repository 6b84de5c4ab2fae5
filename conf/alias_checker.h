/*
 * alias_checker.h: the alias files checked, as lookup_user, on the
 * descriptors master opened ("bulkhead -x alias-check").
 */
#ifndef BH_ALIAS_CHECKER_H
#define BH_ALIAS_CHECKER_H

int	alias_checker_main(int argc, char **argv);

#endif
