import { Streamdown } from 'streamdown';
import { mount } from './aisdk-app.tsx';

mount(({ children }) => <Streamdown>{children}</Streamdown>);
