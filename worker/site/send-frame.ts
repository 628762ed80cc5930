/** Sends a serialised frame; a socket closing under us is dropped by `webSocketClose`, and the others go on. */
export const sendFrame = (socket: WebSocket, frame: string) => {
  try {
    socket.send(frame)
  } catch {
    // Closed mid-send.
  }
}
