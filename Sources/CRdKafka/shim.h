// librdkafka (Debian: librdkafka-dev), linked only when the package's Kafka trait is enabled.
#include <librdkafka/rdkafka.h>
