## DKIM verification area: DNS, key records, verify mode, A-R.
libdkimgate_a_SOURCES += src/cmd_verify.c
