"""Runs Google's own app.yaml validator (appinfo, shipped with the Google Cloud SDK) on files.

Usage: python3 appinfo_check.py FILE...   Prints "OK <file>" or "FAIL <file> <error>" per file.
Needs a local Google Cloud SDK; set GCLOUD_SDK_LIB if it is not in /usr/lib/google-cloud-sdk/lib.
"""
import os
import sys

lib = os.environ.get('GCLOUD_SDK_LIB', '/usr/lib/google-cloud-sdk/lib')
sys.path.insert(0, lib)
sys.path.insert(0, os.path.join(lib, 'third_party'))
from googlecloudsdk.appengine.api import appinfo  # noqa: E402

failed = 0
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            appinfo.LoadSingleAppInfo(f)
        print('OK', path)
    except Exception as error:  # every validator error is reported, none stops the run
        failed += 1
        print('FAIL', path, type(error).__name__, str(error).replace('\n', ' | ')[:400])
sys.exit(1 if failed else 0)
