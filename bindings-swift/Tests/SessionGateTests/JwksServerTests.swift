// `jwksUrl`: keys fetched over HTTP from a one-shot JWKS server on 127.0.0.1 (POSIX sockets;
// Foundation has no HTTP server on Linux). The server answers at most `maxRequests` GETs and
// stops by itself after `timeout` seconds.
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import SessionGate

final class LoopbackJwksServer {
    let port: UInt16
    private let listener: Int32
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var lines: [String] = []

    /// The request lines received so far (`GET /path HTTP/1.1`).
    var requests: [String] { lock.lock(); defer { lock.unlock() }; return lines }

    init(body: String, maxRequests: Int = 2, timeout: Int = 20) throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw VectorError("socket() failed: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        var length = size
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        // accept() gives up after `timeout` seconds: the server never outlives the test by much.
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        let timed = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard bound == 0, named == 0, timed == 0, listen(fd, 8) == 0 else {
            close(fd)
            throw VectorError("cannot listen on 127.0.0.1: errno \(errno)")
        }
        listener = fd
        port = UInt16(bigEndian: addr.sin_port)
        let response = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
        let thread = Thread { [self] in
            for _ in 0..<maxRequests {
                let client = accept(fd, nil, nil)
                if client < 0 { break }  // timed out, or stop() shut the listener down
                var clientLimit = timeval(tv_sec: 5, tv_usec: 0)
                _ = setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &clientLimit, socklen_t(MemoryLayout<timeval>.size))
                var request = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while request.count < 65536 {
                    let n = read(client, &buffer, buffer.count)
                    if n <= 0 { break }
                    request += buffer[0..<n]
                    if request.count >= 4, Array(request.suffix(4)) == Array("\r\n\r\n".utf8) { break }
                }
                let line = String(decoding: request, as: UTF8.self).components(separatedBy: "\r\n").first ?? ""
                lock.lock(); lines.append(line); lock.unlock()
                var sent = 0
                while sent < response.count {
                    let n = response[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    sent += n
                }
                close(client)
            }
            close(fd)
            finished.signal()
        }
        thread.start()
    }

    /// Stops accepting and waits (briefly) for the server thread to end.
    func stop() {
        _ = shutdown(listener, Int32(SHUT_RDWR))
        _ = finished.wait(timeout: .now() + 10)
    }
}

final class JwksServerTests: XCTestCase {
    func testKeysFromJwksUrlOnLoopback() throws {
        let sample = try Sample.load(withAmr: true)
        let name = try XCTUnwrap(sample.config["jwks"] as? String)
        let server = try LoopbackJwksServer(body: try jsonText(try XCTUnwrap(sample.jwks[name])))
        defer { server.stop() }
        var config = try gateConfig(sample.config, jwks: sample.jwks)
        let key = randomKey()
        let url = "http://127.0.0.1:\(server.port)/sso/jwks/\(config.clientId)"
        config.cookiePasswords = [key]
        config.jwks = nil
        config.jwksUrl = url
        let gate = try SessionGate(config: config)
        let cold = try XCTUnwrap(try gate.jwksStatus())
        XCTAssertEqual(cold.url, url)
        XCTAssertEqual(cold.fetches, 0)
        XCTAssertEqual(server.requests, [], "the gate fetched before it needed keys")

        let data = SessionData(accessToken: sample.accessToken, refreshToken: "r", userJson: try jsonText(sample.session["user"] as Any))
        let cookie = try gate.sealSession(session: data, format: .iron)
        for round in 1...2 {
            guard case .authenticated(let session) = try gate.authenticate(sessionData: cookie, now: sample.now) else {
                return XCTFail("round \(round): not authenticated with keys from \(url)")
            }
            XCTAssertEqual(session.sessionId, sample.sessionId)
            XCTAssertEqual(session.amr, sample.session["amr"] as? [String])
        }
        let warm = try XCTUnwrap(try gate.jwksStatus())
        XCTAssertEqual(warm.fetches, 1, "the key set is cached")
        XCTAssertEqual(warm.failures, 0)
        XCTAssertNil(warm.lastError)
        XCTAssertNotNil(warm.fetchedAt)
        let kid = try XCTUnwrap(try jwtPart(sample.accessToken, 0)["kid"] as? String)
        XCTAssertTrue(warm.kids.contains(kid), "\(warm.kids) lacks \(kid)")
        XCTAssertEqual(server.requests, ["GET /sso/jwks/\(config.clientId) HTTP/1.1"])
    }
}
