// MariaDB Connector/C (Debian: libmariadb-dev), linked only when the package's MariaDB trait is enabled.
#include <mariadb/mysql.h>
#include <mariadb/errmsg.h>
