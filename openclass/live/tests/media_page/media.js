"use strict";
// startMedia({server, token, room, feed, pin, peers, video, publish}) joins `room` as
// publisher `feed` (with the room token `pin`), publishes the fake camera and microphone
// (unless `publish` is false: then it only watches), and subscribes to each publisher of
// `peers` as soon as it is announced, one subscription per feed as the classroom page does.
// `video` (optional) holds getUserMedia constraints for the camera, e.g. {width: 320,
// height: 240}. Failures end up in window.media.error and on the console (which the test and
// bench/janus_capacity watch).

window.media = { status: "idle", error: null, subscriptions: [] };

function fail(where, error) {
  const text = typeof error === "string" || error instanceof Error ? String(error) : JSON.stringify(error);
  window.media.status = "failed";
  window.media.error = `${where}: ${text}`;
  console.error(window.media.error);
}

function subscribe(janus, options, privateId, peer) {
  const subscription = { peer, handle: null, video: document.createElement("video") };
  subscription.video.autoplay = true;
  subscription.video.muted = true;
  subscription.video.playsInline = true;
  document.getElementById("remotes").appendChild(subscription.video);
  window.media.subscriptions.push(subscription);
  janus.attach({
    plugin: "janus.plugin.videoroom",
    success: (attached) => {
      subscription.handle = attached;
      attached.send({
        message: {
          request: "join",
          ptype: "subscriber",
          room: options.room,
          private_id: privateId,
          token: options.pin,
          streams: [{ feed: peer }],
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
        subscription.handle.createAnswer({
          jsep,
          // No audio or video of our own: Janus's offered streams are accepted as recvonly.
          tracks: [{ type: "data" }],
          success: (answer) => {
            subscription.handle.send({ message: { request: "start", room: options.room }, jsep: answer });
            window.media.status = "subscribed";
          },
          error: (error) => fail("subscriber answer", error),
        });
      }
    },
    onremotetrack: (track, _mid, on) => {
      if (track.kind === "video" && on) {
        subscription.video.srcObject = new MediaStream([track]);
      }
    },
  });
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
        success: () => join(janus, options),
        error: (error) => fail("session", error),
      });
    },
  });
};

function join(janus, options) {
  let handle = null;
  let privateId = null;
  const wanted = new Set(options.peers || []);
  // Janus announces a publisher from the thread that set up its media, which may reach this
  // page before our own "joined" (whose list then lacks it): announcements are kept until
  // we have the private id that subscriptions need.
  const seen = new Set();
  const announced = (publishers) => {
    for (const publisher of publishers || []) seen.add(publisher.id);
    if (privateId === null) return;
    for (const id of seen) {
      if (wanted.delete(id)) subscribe(janus, options, privateId, id);
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
        window.media.status = "joined";
        if (options.publish !== false) {
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

// What each subscription has received so far: its <video>'s size and the inbound-rtp video
// statistics of its PeerConnection. The first subscription's figures are also given at the
// top level.
window.mediaStats = async function mediaStats() {
  const streams = [];
  for (const subscription of window.media.subscriptions) {
    const stream = {
      peer: subscription.peer,
      videoWidth: subscription.video.videoWidth,
      videoHeight: subscription.video.videoHeight,
      framesDecoded: 0,
      framesDropped: 0,
      packetsLost: 0,
      packetsReceived: 0,
    };
    const pc = subscription.handle && subscription.handle.webrtcStuff && subscription.handle.webrtcStuff.pc;
    if (pc) {
      for (const report of (await pc.getStats()).values()) {
        if (report.type === "inbound-rtp" && report.kind === "video") {
          stream.framesDecoded = report.framesDecoded || 0;
          stream.framesDropped = report.framesDropped || 0;
          stream.packetsLost = report.packetsLost || 0;
          stream.packetsReceived = report.packetsReceived || 0;
        }
      }
    }
    streams.push(stream);
  }
  const first = streams[0] || { videoWidth: 0, videoHeight: 0, framesDecoded: 0, framesDropped: 0, packetsLost: 0, packetsReceived: 0 };
  return { status: window.media.status, error: window.media.error, streams, ...first };
};
