// Staff H5 entry: plain Vue, no UI library, so the page stays small inside WeChat.
import { createApp } from 'vue'
import App from './App.vue'
import './styles.css'

createApp(App).mount('#app')
