/**
 * Certificates made at test time with the `openssl` CLI (OpenSSL 3): a CA, leaf certificates
 * it signs for localhost / 127.0.0.1 (90 days, 5 days, and one that expired yesterday), a
 * self-signed certificate and one for another host. Everything is written to a fresh temporary
 * directory and returned as PEM.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestCerts {
  /** The test CA's certificate (PEM), to pass as a monitor's `ca`. */
  ca: string;
  /** Signed by the CA for CN=localhost, SAN DNS:localhost + IP:127.0.0.1, 90 days. */
  server: KeyPair;
  /** Same names as `server`, signed by the CA, valid 5 days. */
  shortLived: KeyPair;
  /** Self-signed for localhost / 127.0.0.1, 90 days. */
  selfSigned: KeyPair;
  /** Signed by the CA, but only for DNS:wrong.example. */
  wrongHost: KeyPair;
  /** Signed by the CA for localhost / 127.0.0.1, valid from 30 days ago until yesterday. */
  expired: KeyPair;
  /** The directory the files were written to (removed by cleanup). */
  dir: string;
  cleanup: () => void;
}

const LOCAL_SAN = 'subjectAltName=DNS:localhost,IP:127.0.0.1';
// EC keys: generating them is much faster than RSA and every TLS stack accepts P-256.
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'scf-monitor-certs-'));
  const p = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString() || e.message}`);
    }
  };

  try {
    openssl(
      'req', '-x509', ...NEW_KEY,
      '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '365',
      '-subj', '/CN=scf-monitor test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    );

    const leaf = (name: string, cn: string, san: string, days: number): KeyPair => {
      openssl('req', ...NEW_KEY, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`);
      writeFileSync(
        p(`${name}.ext`),
        [san, 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth', ''].join('\n'),
      );
      openssl(
        'x509', '-req', '-in', p(`${name}.csr`),
        '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-CAserial', p('ca.srl'),
        '-days', String(days), '-sha256', '-extfile', p(`${name}.ext`), '-out', p(`${name}.crt`),
      );
      return { key: readFileSync(p(`${name}.key`), 'utf8'), cert: readFileSync(p(`${name}.crt`), 'utf8') };
    };

    const server = leaf('server', 'localhost', LOCAL_SAN, 90);
    const shortLived = leaf('short', 'localhost', LOCAL_SAN, 5);
    const wrongHost = leaf('wrong', 'wrong.example', 'subjectAltName=DNS:wrong.example', 90);

    // `x509 -req` in OpenSSL 3.0 cannot set a start date; `ca` can, given a throwaway database.
    const utc = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace(/\D/g, '').slice(2, 14) + 'Z';
    writeFileSync(p('index.txt'), '');
    writeFileSync(p('serial'), '1000\n');
    writeFileSync(
      p('ca.cnf'),
      [
        '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt', 'new_certs_dir = $dir',
        'serial = $dir/serial', 'certificate = $dir/ca.crt', 'private_key = $dir/ca.key', 'default_md = sha256',
        'policy = any', 'unique_subject = no', '[any]', 'commonName = supplied', '',
      ].join('\n'),
    );
    openssl('req', ...NEW_KEY, '-keyout', p('expired.key'), '-out', p('expired.csr'), '-subj', '/CN=localhost');
    writeFileSync(p('expired.ext'), [LOCAL_SAN, 'basicConstraints=CA:FALSE', 'extendedKeyUsage=serverAuth', ''].join('\n'));
    openssl(
      'ca', '-batch', '-config', p('ca.cnf'), '-in', p('expired.csr'), '-out', p('expired.crt'), '-notext',
      '-startdate', utc(30 * 86_400_000), '-enddate', utc(86_400_000), '-extfile', p('expired.ext'),
    );
    const expired = { key: readFileSync(p('expired.key'), 'utf8'), cert: readFileSync(p('expired.crt'), 'utf8') };

    openssl(
      'req', '-x509', ...NEW_KEY,
      '-keyout', p('self.key'), '-out', p('self.crt'), '-days', '90',
      '-subj', '/CN=localhost', '-addext', LOCAL_SAN,
    );
    const selfSigned = { key: readFileSync(p('self.key'), 'utf8'), cert: readFileSync(p('self.crt'), 'utf8') };

    return {
      ca: readFileSync(p('ca.crt'), 'utf8'),
      server,
      shortLived,
      selfSigned,
      wrongHost,
      expired,
      dir,
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
