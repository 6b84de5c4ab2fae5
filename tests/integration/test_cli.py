"""Small things an admin trips on: -V, and bulkhead-setup run from a
source tree finding its binary without BULKHEAD=."""
import os
import shutil
import subprocess
import tempfile

from conftest import BULKCTL, BULKHEAD, SETUP


def test_version():
    for prog, name in ((BULKHEAD, "bulkhead"), (BULKCTL, "bulkctl")):
        r = subprocess.run([prog, "-V"], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, (prog, r.stderr)
        words = r.stdout.split()
        assert words[0] == name, r.stdout
        assert words[-1][0].isdigit() and "." in words[-1], r.stdout


def test_setup_finds_the_build_without_bulkhead_env():
    """A source tree with scripts/bulkhead-setup and a build directory:
    the script finds build*/bulkhead by itself."""
    top = tempfile.mkdtemp(prefix="bh-src-")
    os.chmod(top, 0o755)
    try:
        os.mkdir(os.path.join(top, "scripts"))
        os.mkdir(os.path.join(top, "build-quickstart"))
        shutil.copy(SETUP, os.path.join(top, "scripts", "bulkhead-setup"))
        os.symlink(BULKHEAD, os.path.join(top, "build-quickstart",
                                          "bulkhead"))
        conf = os.path.join(top, "conf")
        os.mkdir(conf)
        with open(os.path.join(conf, "main.cf"), "w") as f:
            f.write("queue_directory = %s/spool\n"
                    "alias_maps = hash:%s/aliases\n" % (top, conf))
        env = {k: v for k, v in os.environ.items() if k != "BULKHEAD"}
        env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"   # no bulkhead there
        r = subprocess.run([os.path.join(top, "scripts", "bulkhead-setup"),
                            "-c", conf], capture_output=True, text=True,
                           env=env, timeout=60)
        assert r.returncode == 0, r.stderr
        assert os.path.isdir(os.path.join(top, "spool"))
        assert os.path.isfile(os.path.join(conf, "master.cf"))
        # Nothing to find: a clear error, not "bulkhead: not found".
        os.unlink(os.path.join(top, "build-quickstart", "bulkhead"))
        r = subprocess.run([os.path.join(top, "scripts", "bulkhead-setup"),
                            "-c", conf], capture_output=True, text=True,
                           env=env, timeout=60)
        assert r.returncode == 1
        assert "cannot find the bulkhead binary" in r.stderr, r.stderr
    finally:
        shutil.rmtree(top)


def test_setup_default_confdir_is_the_binarys():
    """Without -c, bulkhead-setup works on the configuration directory the
    bulkhead binary was built with (configure's --sysconfdir), which it
    asks the binary for: here a bulkhead whose default is a temporary
    directory."""
    top = tempfile.mkdtemp(prefix="bh-confdir-")
    os.chmod(top, 0o755)
    try:
        conf = os.path.join(top, "etc", "bulkhead")
        fake = os.path.join(top, "bulkhead")
        # The real binary, except that its built-in default is conf.
        with open(fake, "w") as f:
            f.write('#!/bin/sh\n'
                    'if [ "$*" = "-P config_directory" ]; then\n'
                    '\techo %s\n\texit 0\nfi\n'
                    'exec %s "$@"\n' % (conf, BULKHEAD))
        os.chmod(fake, 0o755)
        os.makedirs(conf)
        with open(os.path.join(conf, "main.cf"), "w") as f:
            f.write("queue_directory = %s/spool\n"
                    "alias_maps = hash:%s/aliases\n" % (top, conf))
        r = subprocess.run([SETUP], capture_output=True, text=True,
                           env=dict(os.environ, BULKHEAD=fake), timeout=60)
        assert r.returncode == 0, r.stderr
        assert "%s is ready" % conf in r.stdout, r.stdout
        assert os.path.isfile(os.path.join(conf, "master.cf"))
        assert os.path.isfile(os.path.join(conf, "aliases"))
        assert os.path.isdir(os.path.join(top, "spool"))
    finally:
        shutil.rmtree(top)
