/*
 * config_cli.h: "bulkhead -n", the configuration check as a tool.
 */
#ifndef BH_CONFIG_CLI_H
#define BH_CONFIG_CLI_H

/* Prints the first problem on stderr; returns the exit status. */
int	config_check_main(const char *confdir);

#endif
