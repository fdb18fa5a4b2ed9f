#!/bin/sh
# check-database: a post-deploy hook. The sandbox's database must be
# recorded in its outputs unless the sandbox was made without one.
set -eu
if [ ! -r "$ENVBENCH_OUTPUTS" ]; then
	echo "no outputs file at $ENVBENCH_OUTPUTS" >&2
	exit 1
fi
if grep -Eq '"with_database"[[:space:]]*:[[:space:]]*false' "$ENVBENCH_WORKDIR/envbench.auto.tfvars.json" 2>/dev/null; then
	echo "$ENVBENCH_ENV has no database; nothing to check"
	exit 0
fi
id="${ENVBENCH_OUTPUT_DATABASE_IDENTIFIER:-}"
if [ -z "$id" ] || [ "$id" = null ]; then
	echo "database_identifier is missing from $ENVBENCH_OUTPUTS" >&2
	exit 1
fi
echo "database $id is recorded for $ENVBENCH_ENV"
