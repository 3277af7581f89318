# JSON Schemas (schemas/), the example configurations (examples/) and the
# configuration cases (tests/config/) checked with python3-jsonschema.
# tests/schema/check_schemas.py --instance SCHEMA FILE also validates the
# --json output of devmgr for other tests.  providers.sh checks the
# schema and docs/providers.md against the providers' own tables.
TESTS += tests/schema/check_schemas.sh tests/schema/providers.sh
dist_noinst_SCRIPTS += tests/schema/check_schemas.sh \
	tests/schema/check_schemas.py tests/schema/providers.sh \
	tests/schema/providers.py
