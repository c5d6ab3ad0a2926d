"use strict";
// startMedia({server, token, room, feed, pin, peer, video}) joins `room` as publisher `feed`
// (with the room token `pin`), publishes the fake camera and microphone, and subscribes to
// publisher `peer` as soon as it is announced. `video` (optional) holds getUserMedia
// constraints for the camera, e.g. {width: 320, height: 240}. Failures end up in
// window.media.error and on the console (which the test watches).

window.media = { status: "idle", error: null, subscriber: null };

function fail(where, error) {
  const text = typeof error === "string" || error instanceof Error ? String(error) : JSON.stringify(error);
  window.media.status = "failed";
  window.media.error = `${where}: ${text}`;
  console.error(window.media.error);
}

function subscribe(janus, options, privateId) {
  let handle = null;
  janus.attach({
    plugin: "janus.plugin.videoroom",
    success: (attached) => {
      handle = attached;
      handle.send({
        message: {
          request: "join",
          ptype: "subscriber",
          room: options.room,
          private_id: privateId,
          token: options.pin,
          streams: [{ feed: options.peer }],
        },
      });
    },
    error: (error) => fail("subscriber attach", error),
    onmessage: (message, jsep) => {
      if (message.error) {
        fail("subscriber", message.error);
        return;
      }
      if (jsep) {
        handle.createAnswer({
          jsep,
          // No audio or video of our own: Janus's offered streams are accepted as recvonly.
          tracks: [{ type: "data" }],
          success: (answer) => {
            handle.send({ message: { request: "start", room: options.room }, jsep: answer });
            window.media.status = "subscribed";
          },
          error: (error) => fail("subscriber answer", error),
        });
      }
    },
    onremotetrack: (track, _mid, on) => {
      if (track.kind === "video" && on) {
        document.getElementById("remote").srcObject = new MediaStream([track]);
      }
    },
  });
  window.media.subscriber = () => handle;
}

window.startMedia = function startMedia(options) {
  window.media.status = "starting";
  Janus.init({
    debug: ["warn", "error"],
    callback: () => {
      const janus = new Janus({
        server: options.server,
        token: options.token,
        iceServers: [],
        success: () => publish(janus, options),
        error: (error) => fail("session", error),
      });
    },
  });
};

function publish(janus, options) {
  let handle = null;
  let privateId = null;
  let subscribed = false;
  const announced = (publishers) => {
    if (!subscribed && (publishers || []).some((publisher) => publisher.id === options.peer)) {
      subscribed = true;
      subscribe(janus, options, privateId);
    }
  };
  janus.attach({
    plugin: "janus.plugin.videoroom",
    success: (attached) => {
      handle = attached;
      handle.send({
        message: {
          request: "join",
          ptype: "publisher",
          room: options.room,
          id: options.feed,
          token: options.pin,
          display: `feed ${options.feed}`,
        },
      });
    },
    error: (error) => fail("publisher attach", error),
    onmessage: (message, jsep) => {
      if (message.error) {
        fail("publisher", message.error);
        return;
      }
      if (message.videoroom === "joined") {
        privateId = message.private_id;
        handle.createOffer({
          tracks: [
            { type: "audio", capture: true, recv: false },
            { type: "video", capture: options.video || true, recv: false },
          ],
          success: (offer) => {
            handle.send({
              message: { request: "configure", audio: true, video: true },
              jsep: offer,
            });
          },
          error: (error) => fail("publisher offer", error),
        });
      }
      announced(message.publishers);
      if (jsep) {
        handle.handleRemoteJsep({ jsep });
        window.media.status = "publishing";
      }
    },
    onlocaltrack: (track, on) => {
      if (track.kind === "video" && on) {
        document.getElementById("local").srcObject = new MediaStream([track]);
      }
    },
  });
}

// What the subscription has received so far: the remote <video>'s size and the inbound-rtp
// video statistics of the subscriber's PeerConnection.
window.mediaStats = async function mediaStats() {
  const remote = document.getElementById("remote");
  const result = {
    status: window.media.status,
    error: window.media.error,
    videoWidth: remote.videoWidth,
    videoHeight: remote.videoHeight,
    framesDecoded: 0,
    framesDropped: 0,
    packetsLost: 0,
    packetsReceived: 0,
  };
  const handle = window.media.subscriber && window.media.subscriber();
  const pc = handle && handle.webrtcStuff && handle.webrtcStuff.pc;
  if (pc) {
    for (const report of (await pc.getStats()).values()) {
      if (report.type === "inbound-rtp" && report.kind === "video") {
        result.framesDecoded = report.framesDecoded || 0;
        result.framesDropped = report.framesDropped || 0;
        result.packetsLost = report.packetsLost || 0;
        result.packetsReceived = report.packetsReceived || 0;
      }
    }
  }
  return result;
};
