#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# tests/dkim/mail_dkim_verify.pl - Mail::DKIM (libmail-dkim-perl) verifies
# each FILE with keys from the test DNS:
#   mail_dkim_verify.pl 127.0.0.1@PORT FILE...
# Prints "FILE RESULT RESULT ..." (one result per signature, Mail::DKIM's
# words: pass, fail, invalid, temperror, none). Exit 0 when every signature
# of every file passed.
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS::Resolver;

my ($server, @files) = @ARGV;
my ($host, $port) = split /@/, $server;
Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(nameservers => [$host], port => $port,
    recurse => 1, udp_timeout => 5, tcp_timeout => 5, retry => 1));
my $ok = 1;
for my $f (@files) {
    open(my $fh, '<:raw', $f) or die "$f: $!";
    my $v = Mail::DKIM::Verifier->new();
    while (my $line = <$fh>) {
        $line =~ s/\r?\n\z/\r\n/;
        $v->PRINT($line);
    }
    close $fh;
    $v->CLOSE();
    my @r = map { $_->result . ($_->result ne 'pass' ? "(" . ($_->result_detail // '') . ")" : '') } $v->signatures;
    @r = ('none') unless @r;
    $ok = 0 if grep { !/^pass$/ } @r;
    print "$f @r\n";
}
exit($ok ? 0 : 1);
