#!/usr/bin/python3
"""kolla_set_configs: applies a container's configuration (kolla's start contract).

kolla_start runs it as root (`sudo -E kolla_set_configs`) before the service starts.
It reads /var/lib/kolla/config_files/config.yaml when that file exists (PyYAML needed:
python3-yaml, which openstack-base and its children have), else config.json:

    {
      "command": "keystone-manage --version",          # required: -> /run_command
      "config_files": [                                # copied in this order
        {"source": "/var/lib/kolla/config_files/keystone.conf",   # a glob
         "dest": "/etc/keystone/keystone.conf",        # ends in "/": into that dir
         "owner": "keystone", "perm": "0600",          # or "preserve_properties": true
         "optional": false, "merge": false}
      ],
      "permissions": [
        {"path": "/var/log/kolla/keystone", "owner": "keystone:kolla",
         "perm": "0755", "recurse": true, "exclude": ["\\.pid$"]}
      ],
      "directories": [{"path": "/var/lib/x", "owner": "keystone", "perm": "0750"}],
      "files": [{"path": "/var/lib/x/y", "owner": "keystone", "perm": "0640"}]
    }

KOLLA_CONFIG_STRATEGY=COPY_ALWAYS applies it on every start; COPY_ONCE only on the
first (then /configured exists and later starts exit 0 without touching anything).
Per run: directories, files, the defaults state, config_files and /run_command, then
permissions.

Defaults state: the first time a dest is managed, the file the image had there is saved
under /etc/kolla/defaults/<dest> (or recorded as absent) in /etc/kolla/defaults/state;
every later run restores those first, so an entry dropped from config.json reverts to
the image's file.

`--check` changes nothing: exit 0 when /run_command, the state and every config file
(content, perm, owner) match config.json, else 1.

Exit status: 0 success (also COPY_ONCE already applied), 1 configuration or validation
error, 2 unexpected error.

Where this differs from kolla 23.0.0's implementation, on purpose:
* config.json is fully validated before anything changes (unknown keys, owner and perm
  syntax, non-string perm): such errors exit 1 where kolla fails halfway with exit 2.
* `exclude` holds regular expressions searched in each path below a recursive
  `permissions` entry; a path matching any of them is skipped (kolla re-applies the
  entry once per non-matching pattern, so several patterns excluded nothing).
* Paths found while recursing are changed without following symlinks (a service user
  could otherwise point a link in its own directory at any file and have root chown it).
* The defaults state is never rewritten with source and dest swapped, so the saved image
  files stay intact however often the container restarts.
* Glob sources are expanded for the defaults state and --check.
* --check compares perm as 4 octal digits, so "644", "0644" and "0o644" all work, and a
  directory's expected mode includes the x bits that r bits imply.

KOLLA_CONFIG_ROOT (tests only): a directory that prefixes every absolute path this
program touches, config.json and the paths inside it included, while the state file
keeps the unprefixed paths. Unset in production; refused under sudo, and sudoers drops
it, so a service user cannot redirect root's writes with it.
"""

import argparse
import glob
import grp
import json
import logging
import os
import pwd
import re
import shutil
import stat
import sys

logging.basicConfig(
    format='%(asctime)s.%(msecs)03d %(levelname)s %(message)s',
    datefmt='%Y-%m-%d %H:%M:%S',
    level=logging.INFO,
)
LOG = logging.getLogger('kolla_set_configs')

CONFIG_DIR = '/var/lib/kolla/config_files'
RUN_COMMAND = '/run_command'
CONFIGURED = '/configured'
DEFAULTS_DIR = '/etc/kolla/defaults'
DEFAULTS_STATE = DEFAULTS_DIR + '/state'

CONFIG_FILE_KEYS = {'source', 'dest', 'owner', 'perm', 'optional', 'preserve_properties', 'merge'}
PERMISSION_KEYS = {'path', 'owner', 'perm', 'recurse', 'exclude'}
PATH_KEYS = {'path', 'owner', 'perm'}


class ExitingException(Exception):
    """An expected failure: logged as `<class>: <message>`, exits with exit_code."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.exit_code = exit_code


class ImmutableConfig(ExitingException):
    pass


class InvalidConfig(ExitingException):
    pass


class MissingRequiredSource(ExitingException):
    pass


class UserNotFound(ExitingException):
    pass


class ConfigFileBadState(ExitingException):
    pass


class ConfigFileCommandDiffers(ExitingException):
    pass


class StateMismatch(ExitingException):
    pass


# --- paths -------------------------------------------------------------------------

class Paths:
    """Maps the absolute paths of the contract to the file system (identity in production)."""

    def __init__(self, root):
        self.root = root.rstrip('/') if root else ''

    def real(self, path):
        if self.root and path.startswith('/'):
            return self.root + path
        return path

    def logical(self, path):
        if self.root and (path == self.root or path.startswith(self.root + '/')):
            return path[len(self.root):] or '/'
        return path

    def glob(self, pattern):
        """Logical paths matching the logical glob `pattern`, sorted."""
        return sorted(self.logical(p) for p in glob.glob(self.real(pattern)))


PATHS = Paths('')


def real(path):
    return PATHS.real(path)


# --- owners and modes --------------------------------------------------------------

def user_group(owner):
    """'user[:group]' -> (user, group); the group defaults to the user's name."""
    if ':' in owner:
        user, group = owner.split(':', 1)
        return user, group or user
    return owner, owner


def resolve_owner(owner):
    """'user[:group]' -> (uid, gid), by name (a number is taken as an id)."""
    user, group = user_group(owner)
    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        if not user.isdigit():
            raise UserNotFound('user %s does not exist' % user)
        uid = int(user)
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        if not group.isdigit():
            raise UserNotFound('group %s does not exist' % group)
        gid = int(group)
    return uid, gid


def id_name(lookup, ident):
    """The name `lookup` (pwd.getpwuid or grp.getgrgid) gives `ident`, or the number."""
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)


def parse_perm(perm):
    """'644', '0644' or '0o644' (3-4 octal digits) -> int; anything else is an error."""
    if isinstance(perm, str):
        if re.fullmatch(r'[0-7]{3,4}', perm):
            return int(perm, 8)
        if re.fullmatch(r'0o[0-7]{3,4}', perm):
            return int(perm[2:], 8)
    raise InvalidConfig(
        "invalid permission %r: expected a string of 3-4 octal digits (644, 0600, 2755) "
        "or a Python octal literal (0o644)" % (perm,))


def directory_mode(mode):
    """A directory gets the x bit for each r bit, so that it can be entered."""
    for r, x in ((stat.S_IRUSR, stat.S_IXUSR), (stat.S_IRGRP, stat.S_IXGRP), (stat.S_IROTH, stat.S_IXOTH)):
        if mode & r:
            mode |= x
    return mode


def set_owner_and_mode(path, uid, gid, mode, follow_symlinks=True):
    """chown + chmod of the logical `path`; failures are logged, not raised."""
    target = real(path)
    LOG.info('Setting permission for %s', path)
    if not os.path.lexists(target):
        LOG.warning('%s does not exist', path)
        return
    is_link = os.path.islink(target)
    try:
        os.chown(target, uid, gid, follow_symlinks=follow_symlinks)
    except OSError:
        LOG.exception('Failed to change ownership of %s to %s:%s', path, uid, gid)
    if mode is None or (is_link and not follow_symlinks):
        return
    if os.path.isdir(target):
        mode = directory_mode(mode)
    try:
        os.chmod(target, mode)
    except OSError:
        LOG.exception('Failed to set permission of %s to %o', path, mode)


def handle_permissions(entries):
    """Applies `permissions` entries: path glob, owner, optional perm, recurse, exclude."""
    for entry in entries:
        uid, gid = resolve_owner(entry['owner'])
        mode = parse_perm(entry['perm']) if entry.get('perm') else None
        excludes = [re.compile(p) for p in entry.get('exclude') or []]
        matches = PATHS.glob(entry['path'])
        if not matches:
            LOG.warning('%s does not exist', entry['path'])
        for path in matches:
            set_owner_and_mode(path, uid, gid, mode)
            if not (entry.get('recurse') and os.path.isdir(real(path))):
                continue
            for root, dirs, files in os.walk(real(path)):
                dirs.sort()
                for name in dirs + sorted(files):
                    child = PATHS.logical(os.path.join(root, name))
                    if any(p.search(child) for p in excludes):
                        LOG.debug('Excluded %s', child)
                        continue
                    set_owner_and_mode(child, uid, gid, mode, follow_symlinks=False)


# --- config_files ------------------------------------------------------------------

def destinations(entry):
    """(source, dest) logical pairs of a config_files entry, its source glob expanded."""
    pairs = []
    for source in PATHS.glob(entry['source']):
        dest = entry['dest']
        if dest.endswith('/'):
            dest = os.path.join(dest, os.path.basename(source))
        pairs.append((source, dest))
    return pairs


def delete_path(path):
    target = real(path)
    if not os.path.lexists(target):
        return
    LOG.info('Deleting %s', path)
    if os.path.isdir(target) and not os.path.islink(target):
        shutil.rmtree(target)
    else:
        os.remove(target)


class ConfigFile:
    """One config_files entry."""

    def __init__(self, source, dest, owner=None, perm=None, optional=False,
                 preserve_properties=False, merge=False):
        self.source = source
        self.dest = dest
        self.owner = owner
        self.perm = perm
        self.optional = optional
        self.preserve_properties = preserve_properties
        self.merge = merge

    def __str__(self):
        return '<ConfigFile source:"%s" dest:"%s">' % (self.source, self.dest)

    def _set_properties(self, source, dest):
        if self.preserve_properties:
            LOG.info('Copying permissions from %s onto %s', source, dest)
            # a symlink copied as a symlink (merge + preserve_properties) keeps the link's
            # own properties; anything else gets those of the file the source names
            as_link = os.path.islink(real(dest))
            shutil.copystat(real(source), real(dest), follow_symlinks=not as_link)
            st = os.stat(real(source), follow_symlinks=not as_link)
            os.chown(real(dest), st.st_uid, st.st_gid, follow_symlinks=not as_link)
        else:
            uid, gid = resolve_owner(self.owner)
            set_owner_and_mode(dest, uid, gid, parse_perm(self.perm))

    def _copy_file(self, source, dest):
        delete_path(dest)
        LOG.info('Copying %s to %s', source, dest)
        if self.merge and self.preserve_properties and os.path.islink(real(source)):
            os.symlink(os.readlink(real(source)), real(dest))
            self._set_properties(source, dest)
        else:
            shutil.copy(real(source), real(dest))
            self._set_properties(source, dest)

    def _merge(self, source, dest):
        if os.path.isdir(real(source)):
            if os.path.lexists(real(dest)) and not os.path.isdir(real(dest)):
                delete_path(dest)
            if not os.path.isdir(real(dest)):
                LOG.info('Creating directory %s', dest)
                os.makedirs(real(dest))
            self._set_properties(source, dest)
            for name in sorted(os.listdir(real(source))):
                self._merge(os.path.join(source, name), os.path.join(dest, name))
        else:
            self._copy_file(source, dest)

    def copy(self):
        pairs = destinations(vars(self))
        if not pairs:
            if self.optional:
                LOG.info('%s does not exist, but is not required', self.source)
                return
            raise MissingRequiredSource('%s file is not found' % self.source)
        for source, dest in pairs:
            if not self.merge:
                delete_path(dest)
            parent = os.path.dirname(dest)
            if parent and not os.path.exists(real(parent)):
                os.makedirs(real(parent))
            try:
                self._merge(source, dest)
            except OSError:
                LOG.error('Unable to merge %s with %s', source, dest)
                raise

    # --check

    def _expected(self, source):
        """(perm string, user, group) the copy of `source` must have."""
        if self.preserve_properties:
            st = os.stat(real(source))
            return ('%04o' % stat.S_IMODE(st.st_mode),
                    pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name)
        user, group = user_group(self.owner)
        mode = parse_perm(self.perm)
        if os.path.isdir(real(source)):
            mode = directory_mode(mode)
        return '%04o' % mode, user, group

    def _matches(self, source, dest):
        s, d = real(source), real(dest)
        if not os.path.exists(d):
            LOG.error('Dest file %s does not exist', dest)
            return False
        if not os.path.isdir(s):
            with open(s, 'rb') as f1, open(d, 'rb') as f2:
                if f1.read() != f2.read():
                    LOG.error('The content of source file(%s) and dest file(%s) are not equal.', source, dest)
                    return False
        st = os.stat(d)
        perm, user, group = self._expected(source)
        checks = (('perm', perm, '%04o' % stat.S_IMODE(st.st_mode)),
                  ('user', user, id_name(pwd.getpwuid, st.st_uid)),
                  ('group', group, id_name(grp.getgrgid, st.st_gid)))
        for what, expected, actual in checks:
            if actual != expected:
                LOG.error('Dest file %s does not have expected %s: %s, actual: %s', dest, what, expected, actual)
                return False
        return True

    def _matches_tree(self, source, dest):
        if not self._matches(source, dest):
            return False
        if os.path.isdir(real(source)):
            for name in sorted(os.listdir(real(source))):
                if not self._matches_tree(os.path.join(source, name), os.path.join(dest, name)):
                    return False
        return True

    def check(self):
        pairs = destinations(vars(self))
        if not pairs:
            if self.optional:
                return
            raise MissingRequiredSource('%s file is not found' % self.source)
        bad = [source for source, dest in pairs if not self._matches_tree(source, dest)]
        if bad:
            raise ConfigFileBadState('Following files are in bad state: %s' % bad)


# --- loading and validation --------------------------------------------------------

def load_config():
    yaml_file = CONFIG_DIR + '/config.yaml'
    json_file = CONFIG_DIR + '/config.json'
    if os.path.exists(real(yaml_file)):
        LOG.info('Loading config file at %s', yaml_file)
        try:
            import yaml
        except ImportError:
            raise InvalidConfig(
                '%s needs PyYAML, which this image lacks (python3-yaml); use config.json' % yaml_file)
        try:
            with open(real(yaml_file)) as f:
                config = yaml.safe_load(f)
        except yaml.YAMLError:
            raise InvalidConfig('Invalid yaml file found at %s' % yaml_file)
        except OSError as e:
            raise InvalidConfig('Could not read file %s: %r' % (yaml_file, e))
        if config is None:
            raise InvalidConfig('Invalid yaml file found at %s: file is empty' % yaml_file)
    else:
        LOG.info('Loading config file at %s', json_file)
        try:
            with open(real(json_file)) as f:
                config = json.load(f)
        except ValueError:
            raise InvalidConfig('Invalid json file found at %s' % json_file)
        except OSError as e:
            raise InvalidConfig('Could not read file %s: %r' % (json_file, e))
    LOG.info('Validating config file')
    validate_config(config)
    return config


def _entries(config, section):
    entries = config.get(section)
    if entries is None:
        return []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InvalidConfig('"%s" must be a list of mappings' % section)
    return entries


def _check_owner(section, owner):
    if not isinstance(owner, str) or not owner or owner.startswith(':'):
        raise InvalidConfig('%s: invalid owner %r, expected "user[:group]"' % (section, owner))


def validate_config(config):
    if not isinstance(config, dict):
        raise InvalidConfig('Config must be a mapping')
    if 'command' not in config:
        raise InvalidConfig('Config is missing required "command" key')
    if not isinstance(config['command'], str):
        raise InvalidConfig('"command" must be a string')

    for data in _entries(config, 'config_files'):
        if not {'source', 'dest'} <= set(data):
            raise InvalidConfig('Config is missing required keys: %s' % sorted({'source', 'dest'}))
        unknown = set(data) - CONFIG_FILE_KEYS
        if unknown:
            raise InvalidConfig('config_files: unknown keys %s' % sorted(unknown))
        for key in ('source', 'dest'):
            if not isinstance(data[key], str) or not data[key]:
                raise InvalidConfig('config_files: "%s" must be a non-empty string' % key)
        if not data.get('preserve_properties', False):
            if 'owner' not in data or 'perm' not in data:
                raise InvalidConfig('Config needs preserve_properties or owner and perm')
            _check_owner('config_files', data['owner'])
            parse_perm(data['perm'])

    for data in _entries(config, 'permissions'):
        unknown = set(data) - PERMISSION_KEYS
        if unknown:
            raise InvalidConfig('permissions: unknown keys %s' % sorted(unknown))
        if not isinstance(data.get('path'), str) or not data['path']:
            raise InvalidConfig('permissions: "path" must be a non-empty string')
        _check_owner('permissions', data.get('owner'))
        if data.get('perm'):
            parse_perm(data['perm'])
        exclude = data.get('exclude') or []
        if not isinstance(exclude, list) or not all(isinstance(p, str) for p in exclude):
            raise InvalidConfig('permissions: "exclude" must be a list of regular expressions')
        for pattern in exclude:
            try:
                re.compile(pattern)
            except re.error as e:
                raise InvalidConfig('permissions: invalid exclude pattern %r: %s' % (pattern, e))

    for section in ('directories', 'files'):
        for data in _entries(config, section):
            missing = PATH_KEYS - set(data)
            if missing:
                raise InvalidConfig('%s config is missing required keys: %s' % (section, sorted(missing)))
            unknown = set(data) - PATH_KEYS
            if unknown:
                raise InvalidConfig('%s: unknown keys %s' % (section, sorted(unknown)))
            for key in sorted(PATH_KEYS):
                if data.get(key) is None:
                    raise InvalidConfig('%s config key "%s" must not be null' % (section, key))
            if glob.has_magic(data['path']):
                raise InvalidConfig('%s config does not support glob paths: %s' % (section, data['path']))
            _check_owner(section, data['owner'])
            parse_perm(data['perm'])


# --- the steps of a run ------------------------------------------------------------

def create_directories(config):
    entries = _entries(config, 'directories')
    if entries:
        LOG.info('Creating directories')
    for data in entries:
        path = data['path']
        try:
            os.makedirs(real(path), exist_ok=True)
        except OSError:
            raise OSError("Can't create destination directory (%s)" % path)
        handle_permissions([data])


def create_files(config):
    entries = _entries(config, 'files')
    if entries:
        LOG.info('Creating files')
    for data in entries:
        path = data['path']
        target = real(path)
        if os.path.islink(target):
            raise OSError('Path is a symbolic link, expected regular file (%s)' % path)
        if os.path.isdir(target):
            raise OSError('Path is a directory, expected file (%s)' % path)
        parent = os.path.dirname(path)
        if parent and not os.path.isdir(real(parent)):
            raise OSError('Parent directory does not exist (%s)' % parent)
        if not os.path.exists(target):
            with open(target, 'a'):
                pass
        handle_permissions([data])


def load_state():
    os.makedirs(real(DEFAULTS_DIR), exist_ok=True)
    if os.path.exists(real(DEFAULTS_STATE)):
        with open(real(DEFAULTS_STATE)) as f:
            return json.load(f)
    return {}


def save_state(state):
    with open(real(DEFAULTS_STATE), 'w') as f:
        json.dump(state, f, indent=4)


def restore_defaults(state):
    """Puts back what the image had at every managed dest (or removes what it lacked)."""
    for dest, saved in state.items():
        if saved['dest'] is None:
            target = real(dest)
            if os.path.lexists(target):
                LOG.info('Removing %s (absent from the image)', dest)
                if os.path.isdir(target) and not os.path.islink(target):
                    shutil.rmtree(target)
                else:
                    os.remove(target)
        else:
            ConfigFile(source=saved['dest'], dest=dest, preserve_properties=True).copy()


def backup_defaults(config, state):
    """Records, the first time a dest is managed, what the image has there."""
    for data in _entries(config, 'config_files'):
        for _source, dest in destinations(data):
            if dest in state:
                continue
            entry = {'source': dest, 'preserve_properties': True}
            if os.path.exists(real(dest)):
                entry['dest'] = DEFAULTS_DIR + dest
                ConfigFile(source=dest, dest=entry['dest'], preserve_properties=True).copy()
            else:
                entry['dest'] = None
            state[dest] = entry


def handle_defaults(config):
    state = load_state()
    restore_defaults(state)
    backup_defaults(config, state)
    save_state(state)


def copy_config(config):
    entries = _entries(config, 'config_files')
    if entries:
        LOG.info('Copying service configuration files')
    else:
        LOG.debug('No files to copy found in config')
    for data in entries:
        ConfigFile(**data).copy()

    LOG.info('Writing out command to execute')
    LOG.debug('Command is: %s', config['command'])
    with open(real(RUN_COMMAND), 'w') as f:
        f.write(config['command'])
    try:
        os.chmod(real(RUN_COMMAND), 0o644)
    except OSError:
        LOG.exception('Failed to set permission of %s to 0o644', RUN_COMMAND)


def apply_config(config):
    create_directories(config)
    create_files(config)
    handle_defaults(config)
    copy_config(config)
    handle_permissions(_entries(config, 'permissions'))


def execute_config_strategy(config):
    strategy = os.environ.get('KOLLA_CONFIG_STRATEGY')
    LOG.info('Kolla config strategy set to: %s', strategy)
    if strategy == 'COPY_ALWAYS':
        apply_config(config)
    elif strategy == 'COPY_ONCE':
        if os.path.exists(real(CONFIGURED)):
            raise ImmutableConfig('The config strategy prevents copying new configs', exit_code=0)
        apply_config(config)
        os.mknod(real(CONFIGURED))
    else:
        raise InvalidConfig('KOLLA_CONFIG_STRATEGY is not set properly')


def execute_command_check(config):
    try:
        with open(real(RUN_COMMAND)) as f:
            running = f.read()
    except OSError as e:
        raise ConfigFileCommandDiffers('Cannot read %s: %s' % (RUN_COMMAND, e.strerror))
    if config['command'] != running:
        raise ConfigFileCommandDiffers('Running command differs. %s != %s' % (config['command'], running))


def execute_config_check(config):
    state = load_state() if os.path.exists(real(DEFAULTS_STATE)) else {}
    current = set()
    for data in _entries(config, 'config_files'):
        pairs = destinations(data)
        current.update(dest for _source, dest in pairs)
        if not pairs and not data['dest'].endswith('/'):
            current.add(data['dest'])
    removed = sorted(path for path in state if path not in current)
    if removed:
        raise StateMismatch(
            'The following config files are tracked in state but missing from the config '
            'file. They would be restored or removed: %s' % removed)
    for data in _entries(config, 'config_files'):
        ConfigFile(**data).check()


def main(argv=None):
    global PATHS
    try:
        parser = argparse.ArgumentParser(description='Apply a kolla container configuration.')
        parser.add_argument('--check', action='store_true', help='Check whether the configs changed')
        args = parser.parse_args(argv)

        root = os.environ.get('KOLLA_CONFIG_ROOT', '')
        if root:
            if os.environ.get('SUDO_UID'):
                raise InvalidConfig('KOLLA_CONFIG_ROOT is for tests and is refused under sudo')
            PATHS = Paths(root)

        config = load_config()
        if args.check:
            execute_command_check(config)
            execute_config_check(config)
        else:
            execute_config_strategy(config)
    except ExitingException as e:
        LOG.error('%s: %s', e.__class__.__name__, e)
        return e.exit_code
    except Exception:
        LOG.exception('Unexpected error:')
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
