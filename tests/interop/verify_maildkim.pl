#!/usr/bin/perl
# verify_maildkim.pl - verify signed messages with Mail::DKIM, its
# Net::DNS resolver pointed at the test NSD on 127.0.0.1:PORT, so every
# key comes from real DNS.
#
# usage: verify_maildkim.pl PORT LISTFILE
# LISTFILE lines: "FILE EXPECT NSIG ALGS" (ALGS: comma list of the
# signatures' algorithms). EXPECT pass: every signature must pass; fail:
# every signature must fail. When the installed Mail::DKIM has no
# ed25519-sha256 module (Debian 12 ships 1.20230212, which predates it),
# and a message not ending in CRLF gets one, as SMTP transport adds it;
# an Ed25519 signature must come out "invalid" with "unsupported
# algorithm" instead, and is counted apart as unsupported.
# Prints "BAD ..." lines and a final "maildkim: ..." line; exit 0 when
# every outcome was as expected, 1 otherwise.
use strict;
use warnings;
use Mail::DKIM;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS::Resolver;

my ($port, $list) = @ARGV;
my $res = Net::DNS::Resolver->new(
	nameservers => ['127.0.0.1'],
	port => $port,
	recurse => 1,
	udp_timeout => 5,
	tcp_timeout => 5,
	retry => 2,
);
Mail::DKIM::DNS::resolver($res);
my $have_ed = eval { require Mail::DKIM::Algorithm::ed25519_sha256; 1 };

my ($good, $bad, $unsup) = (0, 0, 0);
open(my $lf, '<', $list) or die "$list: $!";
while (my $line = <$lf>) {
	chomp $line;
	my ($path, $expect, $nsig, $algs) = split(/\s+/, $line);
	my @alg = split(/,/, $algs);
	open(my $fh, '<:raw', $path) or die "$path: $!";
	local $/;
	my $msg = <$fh>;
	close($fh);
	$msg =~ s/\r?\n/\r\n/g;
	# SMTP ends every message with CRLF (RFC 5321 4.1.1.4)
	$msg .= "\r\n" unless $msg =~ /\r\n\z/;
	my $dkim = Mail::DKIM::Verifier->new();
	$dkim->PRINT($msg);
	$dkim->CLOSE;
	my @sigs = $dkim->signatures;
	my $ok = @sigs == $nsig;
	my @got;
	for my $i (0 .. $#sigs) {
		my $r = $sigs[$i]->result;
		my $d = $sigs[$i]->result_detail;
		push @got, $d;
		my $a = $alg[$i] // '';
		if ($a eq 'ed25519-sha256' && !$have_ed) {
			$ok = 0 unless $r eq 'invalid' &&
			    $d =~ /unsupported/i;
			$unsup++;
			next;
		}
		$ok = 0 unless $r eq $expect;
	}
	if ($ok) {
		$good++;
	} else {
		$bad++;
		print "BAD maildkim $path: want $expect x$nsig, got ",
		    join('; ', @got), "\n";
	}
}
close($lf);
printf "maildkim: %d as expected, %d unexpected, %d Ed25519 signatures "
    . "unsupported by Mail::DKIM %s\n", $good, $bad, $unsup,
    $Mail::DKIM::VERSION;
exit($bad == 0 ? 0 : 1);
