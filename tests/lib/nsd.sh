# shellcheck shell=bash
# nsd.sh - shared test helper: an authoritative NSD on loopback serving
# DNSSEC-signed, unsigned and deliberately bogus test zones.
#
# Source it from bash (set -u safe):
#
#   . tests/lib/nsd.sh
#   nsd_setup DIR                      # make DIR (mode 755), pick a free
#                                      # port < 32768 (NSD_PORT, DIR/port)
#   nsd_add_zone DIR ZONE KIND BODY    # KIND = signed | plain | bogus;
#                                      # BODY = file with the zone's records
#   nsd_start DIR                      # write DIR/nsd.conf, start nsd -d,
#                                      # PID in DIR/nsd.pid, wait until it
#                                      # answers; exports NSD_PORT
#   nsd_stop DIR                       # kill by PID, wait until gone
#   nsd_update_zone DIR ZONE KIND BODY # replace a served zone's records
#                                      # (same KIND as when added; signed
#                                      # again with the zone's key) and
#                                      # make the running NSD reload it;
#                                      # poll with dig for the new data
#
#   nsd_dkim_record SEL DOMAIN KEYFILE [rsa|ed25519]
#       print a zone-file TXT line "SEL._domainkey.DOMAIN. IN TXT (...)"
#       for the public part of KEYFILE (private or public PEM, or an
#       Ed25519 seed in base64), p= split in strings of <= 255 bytes;
#       the key type is detected when not given.
#   nsd_add_dkim_key BODY SEL DOMAIN KEYFILE [rsa|ed25519]
#       append that line to the zone body file BODY.
#
# The zone BODY file holds ordinary zone-file records; relative names are
# relative to the zone. When it has no SOA record, nsd_add_zone puts a
# SOA and an NS record (ns.ZONE, 127.0.0.1) in front of it.
#
# signed: one ECDSAP256SHA256 (algorithm 13) key with the SEP flag,
#   signed with NSEC by ldns-signzone -i 20250101000000 -e 20560101000000;
#   its DS is appended to DIR/trust-anchors.ds.
# bogus: the same, but signed -i 20190101000000 -e 20200101000000, so every
#   RRSIG has expired; its DS is in DIR/trust-anchors.ds too, which makes
#   every answer from the zone bogus for a validating resolver.
# plain: unsigned; no trust anchor.
#
# Point a resolver at it with forwarder 127.0.0.1@$NSD_PORT and the trust
# anchor file DIR/trust-anchors.ds (see /work/shared/recipes/
# dnssec-test-zones.md for libunbound's gotchas, e.g. "test." is a local
# zone unless set transparent).
#
# Functions return non-zero with a message on stderr when something fails;
# nothing here calls exit. Needs: nsd, ldns-keygen, ldns-signzone, dig,
# openssl. nsd_have_tools returns 0 when they are all present, so a test
# can exit 77 (skip) without them.

# nsd_have_tools - 0 if every program this helper needs is installed
nsd_have_tools() {
	local t
	for t in nsd ldns-keygen ldns-signzone dig openssl; do
		command -v "$t" >/dev/null 2>&1 ||
		    [ -x "/usr/sbin/$t" ] || return 1
	done
	return 0
}

# _nsd_bin - path of nsd (it lives in /usr/sbin, often not in PATH)
_nsd_bin() {
	if command -v nsd >/dev/null 2>&1; then
		command -v nsd
	else
		echo /usr/sbin/nsd
	fi
}

# _nsd_port_free - 0 if nothing listens on 127.0.0.1:PORT (udp or tcp)
_nsd_port_free() {
	local port=$1
	if command -v ss >/dev/null 2>&1; then
		! ss -Hlnut 2>/dev/null | awk '{print $5}' |
		    grep -Eq "[:.]$port\$"
	else
		! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
	fi
}

# nsd_pick_port - print a random free port in 20000..32767
nsd_pick_port() {
	local port
	for _ in $(seq 1 200); do
		port=$((20000 + RANDOM % 12768))
		if _nsd_port_free "$port"; then
			echo "$port"
			return 0
		fi
	done
	echo "nsd_pick_port: no free port found" >&2
	return 1
}

# nsd_setup DIR - make DIR and choose the port
nsd_setup() {
	local dir=$1 port
	mkdir -p "$dir" || return 1
	chmod 755 "$dir" || return 1
	mkdir -p "$dir/zones" "$dir/keys" || return 1
	: > "$dir/trust-anchors.ds"
	: > "$dir/zones.list"
	port=$(nsd_pick_port) || return 1
	echo "$port" > "$dir/port"
	NSD_PORT=$port
	export NSD_PORT
}

# nsd_add_zone DIR ZONE KIND BODYFILE - add a zone to the instance
nsd_add_zone() {
	local dir=$1 zone=${2%.} kind=$3 body=$4
	local zfile="$dir/zones/$zone.zone" base ks inc exp
	case $kind in
	signed) inc=20250101000000; exp=20560101000000 ;;
	bogus)  inc=20190101000000; exp=20200101000000 ;;
	plain)  ;;
	*) echo "nsd_add_zone: bad kind '$kind'" >&2; return 1 ;;
	esac
	[ -r "$body" ] || { echo "nsd_add_zone: cannot read $body" >&2;
	    return 1; }
	{
		printf '$ORIGIN %s.\n$TTL 300\n' "$zone"
		if ! grep -Eq '[[:space:]]SOA[[:space:]]' "$body"; then
			printf '@ IN SOA ns.%s. hostmaster.%s. ' "$zone" "$zone"
			printf '( 2025010101 3600 600 86400 300 )\n'
			printf '@ IN NS ns.%s.\n' "$zone"
			printf 'ns IN A 127.0.0.1\n'
		fi
		cat "$body"
		echo
	} > "$zfile" || return 1
	if [ "$kind" != plain ]; then
		(
			cd "$dir/keys" &&
			ldns-keygen -a ECDSAP256SHA256 -k "$zone" > "$zone.base"
		) || { echo "nsd_add_zone: ldns-keygen failed" >&2; return 1; }
		base=$(cat "$dir/keys/$zone.base")
		ks="$dir/keys/$base"
		ldns-signzone -i "$inc" -e "$exp" -f "$zfile.signed" \
		    "$zfile" "$ks" || {
			echo "nsd_add_zone: ldns-signzone failed" >&2
			return 1
		}
		zfile="$zfile.signed"
		grep -v '^;' "$ks.ds" >> "$dir/trust-anchors.ds"
	fi
	printf '%s %s\n' "$zone" "$zfile" >> "$dir/zones.list"
}

# nsd_update_zone DIR ZONE KIND BODYFILE - new records for a zone added
# with nsd_add_zone (same KIND), re-signed with its key, then SIGHUP to
# NSD, which reads zone files whose mtime changed. Returns once the
# signal is sent; the caller polls for the data it expects.
nsd_update_zone() {
	local dir=$1 zone=${2%.} kind=$3 body=$4
	local zfile="$dir/zones/$zone.zone" ks inc exp
	case $kind in
	signed) inc=20250101000000; exp=20560101000000 ;;
	bogus)  inc=20190101000000; exp=20200101000000 ;;
	plain)  ;;
	*) echo "nsd_update_zone: bad kind '$kind'" >&2; return 1 ;;
	esac
	[ -r "$body" ] || { echo "nsd_update_zone: cannot read $body" >&2;
	    return 1; }
	{
		printf '$ORIGIN %s.\n$TTL 300\n' "$zone"
		if ! grep -Eq '[[:space:]]SOA[[:space:]]' "$body"; then
			printf '@ IN SOA ns.%s. hostmaster.%s. ' "$zone" "$zone"
			printf '( 2025010101 3600 600 86400 300 )\n'
			printf '@ IN NS ns.%s.\n' "$zone"
			printf 'ns IN A 127.0.0.1\n'
		fi
		cat "$body"
		echo
	} > "$zfile.new" && mv "$zfile.new" "$zfile" || return 1
	if [ "$kind" != plain ]; then
		ks="$dir/keys/$(cat "$dir/keys/$zone.base")" || return 1
		ldns-signzone -i "$inc" -e "$exp" -f "$zfile.signed.new" \
		    "$zfile" "$ks" || {
			echo "nsd_update_zone: ldns-signzone failed" >&2
			return 1
		}
		mv "$zfile.signed.new" "$zfile.signed" || return 1
	fi
	[ -r "$dir/nsd.pid" ] || { echo "nsd_update_zone: NSD not running" >&2;
	    return 1; }
	kill -HUP "$(cat "$dir/nsd.pid")"
}

# nsd_start DIR - write the configuration, start NSD, wait for answers
nsd_start() {
	local dir=$1 port conf zone zfile first=""
	port=$(cat "$dir/port") || return 1
	conf="$dir/nsd.conf"
	{
		printf 'server:\n'
		printf '\tip-address: 127.0.0.1@%s\n' "$port"
		printf '\tdo-ip6: no\n'
		printf '\tusername: ""\n'
		printf '\tchroot: ""\n'
		printf '\tdatabase: ""\n'
		printf '\tzonesdir: "%s"\n' "$dir/zones"
		printf '\tpidfile: "%s"\n' "$dir/nsd.daemon.pid"
		printf '\txfrdfile: "%s"\n' "$dir/xfrd.state"
		printf '\tzonelistfile: "%s"\n' "$dir/zone.list"
		printf '\tlogfile: "%s"\n' "$dir/nsd.log"
		printf '\tverbosity: 1\n'
		printf '\tserver-count: 1\n'
		printf 'remote-control:\n'
		printf '\tcontrol-enable: no\n'
		while read -r zone zfile; do
			[ -n "$first" ] || first=$zone
			printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' \
			    "$zone" "$zfile"
		done < "$dir/zones.list"
	} > "$conf" || return 1
	if [ -z "$first" ]; then
		echo "nsd_start: no zone added" >&2
		return 1
	fi
	"$(_nsd_bin)" -d -c "$conf" >> "$dir/nsd.log" 2>&1 &
	echo $! > "$dir/nsd.pid"
	for _ in $(seq 1 100); do
		if ! kill -0 "$(cat "$dir/nsd.pid")" 2>/dev/null; then
			echo "nsd_start: nsd exited; log:" >&2
			tail -n 20 "$dir/nsd.log" >&2
			return 1
		fi
		if dig +time=1 +tries=1 @127.0.0.1 -p "$port" "$first." SOA \
		    2>/dev/null | grep -q 'status: NOERROR'; then
			NSD_PORT=$port
			export NSD_PORT
			return 0
		fi
		sleep 0.1
	done
	echo "nsd_start: nsd did not answer on port $port; log:" >&2
	tail -n 20 "$dir/nsd.log" >&2
	nsd_stop "$dir"
	return 1
}

# _nsd_alive PID - 0 if PID runs and is not a zombie
_nsd_alive() {
	local st
	kill -0 "$1" 2>/dev/null || return 1
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in
	Z*) return 1 ;;
	esac
	return 0
}

# nsd_stop DIR - stop NSD by its PID and wait until it is gone
nsd_stop() {
	local dir=$1 pid
	[ -r "$dir/nsd.pid" ] || return 0
	pid=$(cat "$dir/nsd.pid")
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 1 100); do
		_nsd_alive "$pid" || break
		sleep 0.1
	done
	if _nsd_alive "$pid"; then
		kill -9 "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rm -f "$dir/nsd.pid"
	return 0
}

# _nsd_pubkey_b64 KEYFILE TYPE - base64 p= value for the key
_nsd_pubkey_b64() {
	local key=$1 type=$2 der
	case $type in
	rsa)
		openssl pkey -in "$key" -pubout -outform DER 2>/dev/null ||
		    openssl pkey -pubin -in "$key" -outform DER
		;;
	ed25519)
		# RFC 8463 4.2: p= is the raw 32-byte public key, the tail
		# of the 44-byte SubjectPublicKeyInfo
		der=$( (openssl pkey -in "$key" -pubout -outform DER \
		    2>/dev/null || openssl pkey -pubin -in "$key" \
		    -outform DER) | base64 -w0) || return 1
		echo "$der" | base64 -d | tail -c 32
		;;
	esac | base64 -w0
}

# _nsd_key_type KEYFILE - print rsa or ed25519
_nsd_key_type() {
	if openssl pkey -in "$1" -noout -text 2>/dev/null |
	    grep -qi 'ED25519' ||
	    openssl pkey -pubin -in "$1" -noout -text 2>/dev/null |
	    grep -qi 'ED25519'; then
		echo ed25519
	else
		echo rsa
	fi
}

# nsd_dkim_record SEL DOMAIN KEYFILE [TYPE] - print the TXT record line
nsd_dkim_record() {
	local sel=$1 domain=${2%.} key=$3 type=${4:-} p data pem rc=0
	local tmp=""
	if ! openssl pkey -in "$key" -noout 2>/dev/null &&
	    ! openssl pkey -pubin -in "$key" -noout 2>/dev/null; then
		# a bare base64 Ed25519 seed (RFC 8463 A.2): wrap it as PKCS#8
		tmp=$(mktemp) || return 1
		pem=$( (printf '\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65'
		    printf '\x70\x04\x22\x04\x20'
		    tr -d ' \t\r\n' < "$key" | base64 -d) | base64 -w64)
		printf -- '-----BEGIN PRIVATE KEY-----\n%s\n' "$pem" > "$tmp"
		printf -- '-----END PRIVATE KEY-----\n' >> "$tmp"
		key=$tmp
		type=ed25519
	fi
	[ -n "$type" ] || type=$(_nsd_key_type "$key")
	p=$(_nsd_pubkey_b64 "$key" "$type") || rc=1
	[ -n "$tmp" ] && rm -f "$tmp"
	[ $rc -eq 0 ] && [ -n "$p" ] || {
		echo "nsd_dkim_record: cannot read key $3" >&2
		return 1
	}
	if [ "$type" = rsa ]; then
		data="v=DKIM1; k=rsa; p=$p"
	else
		data="v=DKIM1; k=ed25519; p=$p"
	fi
	printf '%s._domainkey.%s. IN TXT (' "$sel" "$domain"
	while [ -n "$data" ]; do
		printf ' "%s"' "${data:0:255}"
		data=${data:255}
	done
	printf ' )\n'
}

# nsd_add_dkim_key BODY SEL DOMAIN KEYFILE [TYPE] - append the TXT record
nsd_add_dkim_key() {
	local body=$1
	shift
	nsd_dkim_record "$@" >> "$body"
}
