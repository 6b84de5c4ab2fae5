/*
 * bulkctl_passwd.h: bulkctl passwd USER, a login's password in the
 * SASL password file (smtpd_sasl_path, smtpd_sasl_type = passwd-file).
 */
#ifndef BH_BULKCTL_PASSWD_H
#define BH_BULKCTL_PASSWD_H

#include "conf/config.h"

int	bulkctl_passwd(const struct bh_config *, const char *user);

#endif
