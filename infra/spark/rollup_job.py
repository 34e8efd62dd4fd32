"""EMR Serverless entry point of the rollup's Spark job (uploaded to `s3://<lake>/artifacts/spark/`).

The job's Python environment (the archive `build_environment.sh` makes) holds the `touchpoint`
package; this file only hands the arguments (`--tenant T --date D`) to it.
"""

import sys

from touchpoint.rollup.spark_job import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
