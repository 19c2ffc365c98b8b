import { expect, it } from 'vitest';
import { decode } from '../harness/process/listeners.js';
import { withDeployment } from './support/deployments.js';

it('reads /proc/net listen addresses and tells loopback from every other address', () => {
  expect(decode('0100007F:1F90', false)).toEqual({ text: '127.0.0.1:8080', loopback: true });
  expect(decode('00000000:1F90', false)).toEqual({ text: '0.0.0.0:8080', loopback: false });
  expect(decode('0101A8C0:0050', false)).toEqual({ text: '192.168.1.1:80', loopback: false });
  expect(decode('00000000000000000000000001000000:2405', true)).toEqual({ text: '[0:0:0:0:0:0:0:1]:9221', loopback: true });
  expect(decode('00000000000000000000000000000000:2405', true).loopback).toBe(false);
  // An IPv4-mapped 127.0.0.1 on an IPv6 socket.
  expect(decode('0000000000000000FFFF00000100007F:2405', true).loopback).toBe(true);
});

it('takes no loopback listener for a public one: a real deployment on 127.0.0.1 starts', async () => {
  // The check runs in launch(): a deployment that reached its body passed it.
  await withDeployment({ kind: 'node-async' }, async (d) => {
    expect(new URL(d.baseUrl).hostname).toBe('127.0.0.1');
  });
});
