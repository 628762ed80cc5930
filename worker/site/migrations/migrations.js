import journal from './meta/_journal.json';
import m0000 from './0000_init.sql';
import m0001 from './0001_runs.sql';
import m0002 from './0002_schedules.sql';
import m0003 from './0003_files.sql';
import m0004 from './0004_event_data_quarantine.sql';
import m0005 from './0005_alerts.sql';
import m0006 from './0006_rules.sql';
import m0007 from './0007_audit_outbox.sql';
import m0008 from './0008_resources.sql';
import m0009 from './0009_inventory.sql';
import m0010 from './0010_bundle_manifest_status.sql';
import m0011 from './0011_inventory_discovery.sql';
import m0012 from './0012_inventory_lookup_indexes.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001,
m0002,
m0003,
m0004,
m0005,
m0006,
m0007,
m0008,
m0009,
m0010,
m0011,
m0012
    }
  }
  