/*
 * import_opendkim.h - convert an OpenDKIM configuration (opendkim.conf),
 * or a dkim-filter one (dkim-filter.conf, the same "Keyword value"
 * syntax), into dkimgate.conf text: "dkimgate import-opendkim".
 *
 * What is converted (dkimgate.conf(5), dkimgate(8) MIGRATING FROM
 * OPENDKIM): Mode becomes sign and verify listeners; KeyTable +
 * SigningTable and dkim-filter's KeyList become key_table/signing_table
 * and key_list naming the SAME files, which dkimgate reads unchanged; the
 * single-key form (Domain, Selector, KeyFile, SubDomains) becomes a
 * generated dkimgate key table; Canonicalization, SignHeaders,
 * OversignHeaders, AuthservID, TrustAnchorFile, Nameservers,
 * ResolverConfiguration, MinimumKeyBits (a verifier setting in OpenDKIM:
 * dkim_min_rsa_bits), SignatureTTL, DNSTimeout, On-DNSError,
 * MaximumSignaturesToVerify, MaximumHeaders, TemporaryDirectory and
 * SyslogFacility map to the matching parameters; the literal addresses
 * and CIDR networks of InternalHosts are added to client_networks (host
 * names, negations, refile: and database data sets are not, with a
 * warning). Every other option becomes a comment line saying why it is
 * not mapped, and a short Postfix change note (milter -> content_filter,
 * from postfix-examples/) ends the output.
 *
 * The conversion reads the configuration text it is given and the flat
 * files that InternalHosts, Domain, SignHeaders and OversignHeaders name;
 * it never opens key files, KeyTables or SigningTables. Nothing here
 * logs: warnings are returned as text. Not for use inside the event loop
 * (it reads files synchronously); it is a command-line tool.
 */
#ifndef DKIMGATE_IMPORT_OPENDKIM_H
#define DKIMGATE_IMPORT_OPENDKIM_H

#include <stddef.h>

#include "buf.h"

#define IMPORT_INPUT_MAX	(1024 * 1024)	/* bytes per file read */
#define IMPORT_OUTPUT_MAX	(4 * 1024 * 1024) /* bytes per output */
#define IMPORT_LINE_MAX		4096	/* longest input line */

/*
 * The result of one conversion, embedded in the caller's storage:
 * import_result_init() before, import_result_clear() after use (it frees
 * the buffers). conf and keytable are complete files (text, each line
 * ending in "\n"); keytable is empty unless the single-key form was
 * converted, in which case conf's key_table names the path given to
 * import_opendkim_convert(). warnings holds one "\n"-terminated line per
 * warning meant for the operator (the same facts appear as comments in
 * conf).
 */
struct import_result {
	struct buf	 conf;
	struct buf	 keytable;
	struct buf	 warnings;
	size_t		 nunmapped;	/* options left as comments */
};

void	 import_result_init(struct import_result *);
void	 import_result_clear(struct import_result *);

/*
 * import_opendkim_convert - convert the configuration text (text, len;
 * no NUL terminator needed) read from the file called name (used in
 * comments and messages) into res, which must have been initialized.
 * keytable_path is the path the caller will write res->keytable to, and
 * the value key_table gets when the single-key form is converted.
 * Returns 0, or -1 with "NAME:LINE: message" (or "FILE: message") in err
 * when the input cannot be read as such a file at all (a NUL byte, a line
 * longer than IMPORT_LINE_MAX, an output over IMPORT_OUTPUT_MAX).
 */
int	 import_opendkim_convert(const char *name, const char *text,
	    size_t len, const char *keytable_path, struct import_result *res,
	    char *err, size_t errlen);

#endif
