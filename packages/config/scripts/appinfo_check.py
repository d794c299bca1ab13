"""Runs Google's own validators (shipped with the Google Cloud SDK) on config files.

Usage: python3 appinfo_check.py FILE...   Prints "OK <file>" or "FAIL <file> <error>" per file;
for dispatch.yaml, cron.yaml and queue.yaml "OK <file> <json>", with what Google read.
A file named dispatch.yaml, cron.yaml or queue.yaml is read the way `gcloud app deploy` reads it
(yaml_parsing.ConfigYamlInfo, then gcloud's deploy-time checks for cron and queue); for cron
every schedule also goes through Google's schedule parser (groc) and every time zone through
pytz, as the scheduler does. Any other file is read as app.yaml (appinfo).
Needs a local Google Cloud SDK; set GCLOUD_SDK_LIB if it is not in /usr/lib/google-cloud-sdk/lib.
"""
import json
import os
import sys
import warnings

# ruamel (used inside gcloud) warns about YAML 1.1 floats without a dot such as 1e-07; they still load.
warnings.simplefilter('ignore')

lib = os.environ.get('GCLOUD_SDK_LIB', '/usr/lib/google-cloud-sdk/lib')
sys.path.insert(0, lib)
sys.path.insert(0, os.path.join(lib, 'third_party'))
import pytz  # noqa: E402
from googlecloudsdk.api_lib.app import yaml_parsing  # noqa: E402
from googlecloudsdk.api_lib.tasks import app_deploy_migration_util  # noqa: E402
from googlecloudsdk.appengine.api import appinfo  # noqa: E402
from googlecloudsdk.appengine.googlecron import groctimespecification  # noqa: E402

warnings.simplefilter('ignore')  # again: importing gcloud resets the filters


def check_config_file(path):
    info = yaml_parsing.ConfigYamlInfo.FromFile(path)
    if info.config == 'cron':
        app_deploy_migration_util.ValidateCronYamlFileConfig(info)
        for job in info.parsed.cron or []:
            groctimespecification.GrocTimeSpecification(job.schedule)
            if job.timezone:
                pytz.timezone(job.timezone)
    elif info.config == 'queue':
        app_deploy_migration_util.ValidateQueueYamlFileConfig(info)
    return json.dumps(info.parsed.ToDict())


failed = 0
for path in sys.argv[1:]:
    try:
        base = os.path.splitext(os.path.basename(path))[0]
        if base in ('dispatch', 'cron', 'queue'):
            print('OK', path, check_config_file(path))
        else:
            with open(path) as f:
                appinfo.LoadSingleAppInfo(f)
            print('OK', path)
    except Exception as error:  # every validator error is reported, none stops the run
        failed += 1
        print('FAIL', path, type(error).__name__, str(error).replace('\n', ' | ')[:400])
sys.exit(1 if failed else 0)
