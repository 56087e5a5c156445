package dev.sieve.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Host name to addresses, for the address policy's check. The system's DNS in production; tests map made-up names
 * (under {@code .test}, which never resolves for real) to the addresses they want refused, so a test of the guard
 * never needs a route to anything but loopback.
 */
@FunctionalInterface
interface HostResolver {
    InetAddress[] resolve(String host) throws UnknownHostException;

    HostResolver SYSTEM = InetAddress::getAllByName;
}
