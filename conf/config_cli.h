/*
 * config_cli.h: "bulkhead -n" and "-P", the configuration as tools.
 */
#ifndef BH_CONFIG_CLI_H
#define BH_CONFIG_CLI_H

/* Prints the first problem on stderr; returns the exit status. */
int	config_check_main(const char *confdir);
/* "bulkhead -P [name ...]": the parameters, or the values of those named */
int	config_print_main(const char *confdir, int argc, char **argv);

#endif
