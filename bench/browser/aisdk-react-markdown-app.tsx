import Markdown from 'react-markdown';
import { mount } from './aisdk-app.tsx';

mount(({ children }) => <Markdown>{children}</Markdown>);
