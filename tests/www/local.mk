# Tests of the www app: the HTTP core (Check), the fuzz corpus replayed
# through the fuzz target, and curl against the running server on
# net-socket (www.sh, load.sh) and on stack-lwip over net-tap (lwip.sh;
# lwip_ab.sh: ab's 30,000 short connections).
check_PROGRAMS += tests/www/test_http tests/www/fuzz_http_replay
TESTS += tests/www/test_http tests/www/fuzz_corpus.sh

tests_www_test_http_SOURCES = tests/www/test_http.c apps/www/http.c \
	apps/www/http.h
tests_www_test_http_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_www_test_http_LDADD = $(CHECK_LIBS) $(HTTP_PARSER_LIBS)

tests_www_fuzz_http_replay_SOURCES = tests/fuzz/run_corpus.c \
	tests/www/fuzz_http.c apps/www/conn.c apps/www/conn.h \
	apps/www/http.c apps/www/http.h
tests_www_fuzz_http_replay_CFLAGS = $(AM_CFLAGS)
tests_www_fuzz_http_replay_LDADD = $(HTTP_PARSER_LIBS)

dist_noinst_SCRIPTS += tests/www/fuzz_corpus.sh tests/fuzz/build-www.sh

TESTS += tests/www/www.sh tests/www/http.sh tests/www/slow.sh tests/www/host.sh \
	tests/www/load.sh tests/www/zerocopy.sh \
	tests/www/lwip.sh tests/www/lwip_ab.sh tests/www/workers.sh
dist_noinst_SCRIPTS += tests/www/www.sh tests/www/http.sh tests/www/slow.sh \
	tests/www/host.sh tests/www/load.sh tests/www/zerocopy.sh \
	tests/www/lwip.sh tests/www/lwip_ab.sh tests/www/workers.sh \
	tests/www/client.py
dist_noinst_DATA += tests/www/lib.sh
