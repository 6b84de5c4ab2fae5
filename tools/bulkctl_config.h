/*
 * bulkctl_config.h: "bulkctl config", Postfix's postconf for bulkhead.
 */
#ifndef BH_BULKCTL_CONFIG_H
#define BH_BULKCTL_CONFIG_H

/* argv[0] is "config"; confdir is bulkctl's -c (the command's own -c wins). */
int	bulkctl_config(const char *confdir, int argc, char **argv);

#endif
