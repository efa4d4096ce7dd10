#!/usr/bin/perl
# tool_maildkim.pl - the per-signature verdicts of Mail::DKIM for each
# message, with the keys looked up over DNS at the test NSD (Net::DNS
# pointed at 127.0.0.1:PORT).
#
# usage: tool_maildkim.pl PORT FILE...   prints "FILE r1,r2,..." per file,
# each r "pass", "fail", or "unsupported" (an algorithm this Mail::DKIM
# lacks, e.g. ed25519-sha256 before 1.20230630); "none" when unsigned.
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS::Resolver;

my $port = shift @ARGV;
Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(
	nameservers => ['127.0.0.1'], port => $port, recurse => 1,
	udp_timeout => 5, tcp_timeout => 5, retry => 2));
for my $path (@ARGV) {
	open(my $fh, '<:raw', $path) or die "$path: $!";
	local $/;
	my $msg = <$fh>;
	close($fh);
	$msg =~ s/\r?\n/\r\n/g;
	$msg .= "\r\n" unless $msg =~ /\r\n\z/;
	my $v = Mail::DKIM::Verifier->new();
	$v->PRINT($msg);
	$v->CLOSE;
	my @r;
	for my $s ($v->signatures) {
		my $d = $s->result_detail // '';
		if ($s->result eq 'pass') {
			push @r, 'pass';
		} elsif ($d =~ /unsupported/i &&
		    ($s->algorithm // '') =~ /ed25519/) {
			push @r, 'unsupported';
		} else {
			push @r, 'fail';
		}
	}
	print $path, ' ', (@r ? join(',', @r) : 'none'), "\n";
}
