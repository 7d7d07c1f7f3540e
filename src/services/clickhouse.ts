// A real ClickHouse server (Debian's clickhouse-server) run as a plain process
// with a generated config: loopback only, free ports, data in the given dir.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LearnstreamError, ServiceStartFailed } from '../core/errors.js';
import { freePort, pollUntil } from './ports.js';
import { spawnService } from './process.js';

export interface ClickHouseService {
  url: string;
  httpPort: number;
  tcpPort: number;
  pid: number;
  dataDir: string;
  logFile: string;
}

export function clickhouseServerBinary(): string {
  for (const p of ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server']) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v clickhouse-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new LearnstreamError(
      ServiceStartFailed,
      'clickhouse-server not found; install it with `apt-get install clickhouse-server` or set CLICKHOUSE_URL',
    );
  }
}

export async function startClickHouse(
  dir: string,
  opts: { detached?: boolean; timeoutMs?: number; httpPort?: number; tcpPort?: number } = {},
): Promise<ClickHouseService> {
  const bin = clickhouseServerBinary();
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, sub), { recursive: true });
  // Fixed ports let a test stop a server and start it again at the same address.
  const httpPort = opts.httpPort ?? (await freePort());
  let tcpPort = opts.tcpPort ?? (await freePort());
  while (tcpPort === httpPort) tcpPort = await freePort();
  const logFile = join(dir, 'clickhouse.log');
  writeFileSync(
    join(dir, 'config.xml'),
    `<yandex>
  <logger><level>warning</level><log>${logFile}</log><errorlog>${join(dir, 'clickhouse.err.log')}</errorlog><console>0</console></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${join(dir, 'data')}/</path>
  <tmp_path>${join(dir, 'tmp')}/</tmp_path>
  <user_files_path>${join(dir, 'user_files')}/</user_files_path>
  <format_schema_path>${join(dir, 'format_schemas')}/</format_schema_path>
  <users_config>${join(dir, 'users.xml')}</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <max_concurrent_queries>200</max_concurrent_queries>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
</yandex>
`,
  );
  writeFileSync(
    join(dir, 'users.xml'),
    `<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage><allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type></default></profiles>
  <users><default><password></password><networks><ip>::1</ip><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`,
  );
  const { pid } = spawnService(bin, [`--config-file=${join(dir, 'config.xml')}`], {
    logFile: join(dir, 'clickhouse.stdout.log'),
    cwd: dir,
    detached: opts.detached,
  });
  const url = `http://127.0.0.1:${httpPort}`;
  const ok = await pollUntil(
    async () => {
      const res = await fetch(`${url}/ping`);
      return res.ok;
    },
    opts.timeoutMs ?? 30_000,
    150,
  );
  if (!ok) throw new LearnstreamError(ServiceStartFailed, `ClickHouse did not answer on ${url}; see ${logFile}`);
  return { url, httpPort, tcpPort, pid, dataDir: dir, logFile };
}
