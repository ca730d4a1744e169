"""A Redfish client for the tests, on OpenStack's sushy: reads or changes one system, prints JSON.

usage: sushy_client.py URL CA_FILE USER PASSWORD SYSTEM_PATH COMMAND [ARG...]
  COMMAND: get | reset RESET_TYPE | boot TARGET ENABLED [MODE] | allowed-resets
"""
import json
import sys

import sushy
from sushy import auth


def value(v):
    return getattr(v, 'value', v)


def describe(system):
    return {
        'uuid': system.uuid,
        'power_state': value(system.power_state),
        'boot_enabled': value(system.boot.enabled),
        'boot_target': value(system.boot.target),
        'boot_mode': value(system.boot.mode),
    }


def main():
    url, ca, user, password, path, command = sys.argv[1:7]
    args = sys.argv[7:]
    root = sushy.Sushy(url, verify=ca, auth=auth.SessionAuth(username=user, password=password))
    try:
        system = root.get_system(path)
        if command == 'get':
            out = describe(system)
        elif command == 'allowed-resets':
            out = sorted(value(v) for v in system.get_allowed_reset_system_values())
        elif command == 'reset':
            system.reset_system(sushy.ResetType(args[0]))
            system.refresh()
            out = describe(system)
        elif command == 'boot':
            mode = sushy.BootSourceOverrideMode(args[2]) if len(args) > 2 else None
            system.set_system_boot_options(target=sushy.BootSource(args[0]),
                                           enabled=sushy.BootSourceOverrideEnabled(args[1]), mode=mode)
            system.refresh()
            out = describe(system)
        else:
            raise SystemExit('unknown command ' + command)
        print(json.dumps(out))
    except sushy.exceptions.HTTPError as e:
        print(json.dumps({'error': e.status_code, 'message': str(e)}))
        sys.exit(3)
    finally:
        root._conn.close()


if __name__ == '__main__':
    main()
