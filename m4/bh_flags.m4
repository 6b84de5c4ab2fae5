# Compiler and linker flag probes, in the manner of autoconf-archive's
# AX_CHECK_COMPILE_FLAG / AX_CHECK_LINK_FLAG (written out here so that
# the build needs no autoconf-archive).
#
# A flag is tried together with -Werror: clang only warns about an option
# it does not know, and some glibc versions only warn when _FORTIFY_SOURCE
# meets -O0; either would break a build with --enable-werror later on.

# BH_ADD_CFLAGS(VARIABLE, FLAGS): append to VARIABLE each of the
# whitespace-separated FLAGS that $CC accepts when compiling.
AC_DEFUN([BH_ADD_CFLAGS], [
for bh_flag in $2; do
  AS_VAR_PUSHDEF([bh_cv], [bh_cv_cflag_$bh_flag])
  AC_CACHE_CHECK([whether $CC accepts $bh_flag], [bh_cv], [
    bh_save_CFLAGS=$CFLAGS
    CFLAGS="$CFLAGS -Werror $bh_flag"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <stdio.h>]],
      [[puts("x"); return 0;]])],
      [AS_VAR_SET([bh_cv], [yes])], [AS_VAR_SET([bh_cv], [no])])
    CFLAGS=$bh_save_CFLAGS])
  AS_VAR_IF([bh_cv], [yes], [$1="${$1:+$$1 }$bh_flag"])
  AS_VAR_POPDEF([bh_cv])
done
])

# BH_ADD_LDFLAGS(VARIABLE, FLAGS): append to VARIABLE each of FLAGS that
# $CC accepts when linking a program.
AC_DEFUN([BH_ADD_LDFLAGS], [
for bh_flag in $2; do
  AS_VAR_PUSHDEF([bh_cv], [bh_cv_ldflag_$bh_flag])
  AC_CACHE_CHECK([whether $CC links with $bh_flag], [bh_cv], [
    bh_save_LDFLAGS=$LDFLAGS
    LDFLAGS="$LDFLAGS -Werror $bh_flag"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <stdio.h>]],
      [[puts("x"); return 0;]])],
      [AS_VAR_SET([bh_cv], [yes])], [AS_VAR_SET([bh_cv], [no])])
    LDFLAGS=$bh_save_LDFLAGS])
  AS_VAR_IF([bh_cv], [yes], [$1="${$1:+$$1 }$bh_flag"])
  AS_VAR_POPDEF([bh_cv])
done
])

# BH_ADD_FORTIFY(VARIABLE): append -D_FORTIFY_SOURCE=2 to VARIABLE unless
# _FORTIFY_SOURCE is already defined (by the compiler, as Ubuntu's gcc
# does, or by CPPFLAGS/CFLAGS, as dpkg-buildflags does): defining it a
# second time is a redefinition, and the level already chosen is kept.
# Also left out where it does not compile cleanly (some glibc versions
# warn without optimisation, e.g. CFLAGS=-O0).
AC_DEFUN([BH_ADD_FORTIFY], [
AC_CACHE_CHECK([whether _FORTIFY_SOURCE is already defined],
  [bh_cv_fortify_predefined], [
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[]], [[
#ifndef _FORTIFY_SOURCE
#error not defined
#endif
]])], [bh_cv_fortify_predefined=yes], [bh_cv_fortify_predefined=no])])
AS_IF([test "x$bh_cv_fortify_predefined" = xno],
  [BH_ADD_CFLAGS([$1], [-D_FORTIFY_SOURCE=2])])
])
