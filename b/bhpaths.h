#define BH_CONFIG_DIR "/usr/local/etc/bulkhead"
