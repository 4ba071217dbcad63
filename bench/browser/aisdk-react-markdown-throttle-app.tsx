import Markdown from 'react-markdown';
import { mount } from './aisdk-app.tsx';

// useChat's documented render throttle, at 50 ms.
mount(({ children }) => <Markdown>{children}</Markdown>, 50);
