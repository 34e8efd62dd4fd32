#!/usr/bin/env bash
# Build the Python environment of the rollup's Spark job on EMR Serverless and upload it with the
# job's entry point. Needs Docker (the archive must be built on Amazon Linux 2023 / x86_64, the
# platform of emr-spark-8.0.0's workers) and AWS credentials for the stage's lake bucket.
#
#   infra/spark/build_environment.sh touchpoint-prod-lake
#
# Writes build/spark/touchpoint-spark.tar.gz (a venv-pack archive: Python 3.12, touchpoint with its
# Spark extra and the rollup worker's dependencies, minus pyspark, which EMR provides) and uploads it and rollup_job.py to
# s3://<bucket>/artifacts/spark/, where the dispatcher's job runs look for them.
set -euo pipefail

bucket="${1:?usage: $0 <lake bucket, e.g. touchpoint-prod-lake>}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="$repo/build/spark"
mkdir -p "$out"

docker run --rm --platform linux/amd64 -v "$repo:/src:ro" -v "$out:/out" amazonlinux:2023 bash -euo pipefail -c '
  dnf install -y -q python3.12 python3.12-pip tar gzip
  python3.12 -m venv --copies /opt/environment
  source /opt/environment/bin/activate
  pip install -q --upgrade pip venv-pack
  # pip builds a local project in place: build from a copy of what the package needs.
  mkdir /tmp/src && cp -r /src/pyproject.toml /src/README.md /src/shared /tmp/src/
  # touchpoint with its Spark extra, plus what the rollup worker has (DuckDB writes the result
  # files and compacts; pyarrow carries Spark rows to it).
  pip install -q "/tmp/src[spark]" -r /src/functions/rollup/vendor-requirements.txt pyarrow
  # EMR runs its own Spark (4.0 on emr-spark-8.0.0): the job must import that pyspark, not a copy.
  pip uninstall -y -q pyspark
  venv-pack -f -o /out/touchpoint-spark.tar.gz
'

aws s3 cp "$out/touchpoint-spark.tar.gz" "s3://$bucket/artifacts/spark/touchpoint-spark.tar.gz"
aws s3 cp "$repo/infra/spark/rollup_job.py" "s3://$bucket/artifacts/spark/rollup_job.py"
