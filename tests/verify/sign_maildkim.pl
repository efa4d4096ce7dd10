#!/usr/bin/perl
# sign_maildkim.pl - sign a message with Mail::DKIM (libmail-dkim-perl)
# for the verification tests: rsa-sha256 (the Debian 12 version has no
# Ed25519), over the CRLF form, the field prepended in the input's own
# line-end convention.
#
# usage: sign_maildkim.pl KEYFILE DOMAIN SELECTOR CANON [LENGTH] < in > out
#   CANON: e.g. relaxed/simple; LENGTH: a number puts l=LENGTH.
use strict;
use warnings;
use Mail::DKIM::Signer;
use Mail::DKIM::Signature;
use Mail::DKIM::TextWrap;

my ($keyfile, $domain, $sel, $canon, $length) = @ARGV;
binmode(STDIN);
# slurp in a block: Mail::DKIM reads the key file line by line later
my $raw = do { local $/; <STDIN> };
my $lf = ($raw =~ /^[^\n]*\n/ && $raw !~ /^[^\n]*\r\n/) ? 1 : 0;
(my $msg = $raw) =~ s/\r?\n/\r\n/g;
$msg .= "\r\n" unless $msg =~ /\r\n\z/;
my $signer = Mail::DKIM::Signer->new(
	KeyFile => $keyfile,
	Policy => sub {
		my $s = shift;
		my $sig = Mail::DKIM::Signature->new(
			Algorithm => 'rsa-sha256',
			Method => $canon,
			Headers => $s->headers,
			Domain => $domain,
			Selector => $sel,
		);
		$sig->body_count($length) if defined $length;
		$s->add_signature($sig);
		return;
	},
);
$signer->PRINT($msg);
$signer->CLOSE;
my $field = $signer->signature->as_string;
$field =~ s/\r?\n/\r\n/g;
$field .= "\r\n";
$field =~ s/\r\n/\n/g if $lf;
binmode(STDOUT);
print $field, $raw;
