export function ChatTab(_props: { ready?: boolean }) { return <p>ChatTab coming</p>; }
